#pragma once
// AWS Signature Version 4, header form, as small pure functions: canonical request → string to
// sign → signature (AWS's "Signature Version 4 signing process"). No I/O, no clock: the time is
// given. tests/unit/sigv4_test.cpp proves them on AWS's test suite and against botocore.

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cruddur/aws/credentials.hpp"

namespace cruddur::aws::sigv4 {

using Headers = std::vector<std::pair<std::string, std::string>>;

/// What is signed of a request.
struct Request {
  std::string method;  ///< e.g. `POST`
  std::string path;    ///< the path as sent (may already be percent-encoded); `/` when empty
  std::string query;   ///< the query as sent, without `?` (may be empty)
  Headers headers;     ///< every header to sign, Host included; names in any case, repeats kept
  std::string payload_hash;  ///< lower-case hex SHA-256 of the body
};

/// Options of one signature (AWS's signing context).
struct Options {
  std::string region;   ///< e.g. `us-east-1`
  std::string service;  ///< the signing name, e.g. `dynamodb`
  std::chrono::system_clock::time_point time;
  bool normalize_path = true;       ///< remove `.`/`..` and empty segments (every service but S3)
  bool sign_body_header = false;    ///< add and sign `X-Amz-Content-Sha256` (S3-style)
  bool omit_session_token = false;  ///< add `X-Amz-Security-Token` after signing (unsigned)
};

/// The intermediate texts of one signature (tests compare each one).
struct Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      ///< lower-case hex
  std::string authorization;  ///< the `Authorization` header value
};

/// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);
/// `YYYYMMDDTHHMMSSZ` (UTC) of `time`.
std::string amz_date(std::chrono::system_clock::time_point time);

/// The path encoded as SigV4 wants it for every service but S3: each byte outside RFC 3986's
/// unreserved set and `/` percent-encoded (so an already encoded path is encoded again), after
/// removing dot segments and empty segments when `normalize`.
std::string canonical_uri(std::string_view path, bool normalize);
/// `name=value` pairs sorted by name then value, each name and value percent-decoded and
/// re-encoded with upper-case hex (a name without `=` gets an empty value).
std::string canonical_query(std::string_view query);

/// Canonical header block (`name:value\n` per name, values trimmed, inner runs of white space
/// folded to one space, repeated names joined by `,` in order) and the signed-headers list.
struct CanonicalHeaders {
  std::string block;
  std::string signed_headers;
};
CanonicalHeaders canonical_headers(const Headers& headers);

/// The canonical request of `request`.
std::string canonical_request(const Request& request, bool normalize_path);
/// `AWS4-HMAC-SHA256\n<amz date>\n<scope>\n<hex sha256 of the canonical request>`.
std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request);
/// `<YYYYMMDD>/<region>/<service>/aws4_request`.
std::string credential_scope(std::string_view date, std::string_view region,
                             std::string_view service);
/// The derived signing key (raw bytes): HMAC chain over date, region, service, `aws4_request`.
std::string signing_key(std::string_view secret_access_key, std::string_view date,
                        std::string_view region, std::string_view service);
/// Lower-case hex HMAC-SHA256 of `string_to_sign` with `key`.
std::string signature(std::string_view key, std::string_view string_to_sign);

/// Signs `request`: adds `X-Amz-Date`, `X-Amz-Security-Token` (with a session token) and, with
/// `sign_body_header`, `X-Amz-Content-Sha256` to its headers, then returns the texts and the
/// `Authorization` value (the caller adds it to the headers it sends).
Signature sign(Request& request, const Credentials& credentials, const Options& options);

}  // namespace cruddur::aws::sigv4
