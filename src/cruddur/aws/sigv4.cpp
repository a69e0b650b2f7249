// SigV4 header signing as pure functions: canonical request, string to sign, signing key,
// signature.
#include "cruddur/aws/sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <strings.h>

#include <algorithm>
#include <ctime>
#include <stdexcept>

namespace cruddur::aws::sigv4 {
namespace {

constexpr const char* kHex = "0123456789abcdef";
constexpr const char* kUpperHex = "0123456789ABCDEF";
constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string to_hex(const unsigned char* data, std::size_t size) {
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kHex[data[i] >> 4]);
    out.push_back(kHex[data[i] & 0x0f]);
  }
  return out;
}

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  const auto* result =
      HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  if (result == nullptr) throw std::runtime_error("HMAC-SHA256 failed");
  return std::string(reinterpret_cast<const char*>(digest), length);
}

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
         || c == '.' || c == '_' || c == '~';
}

void append_encoded(std::string& out, std::string_view text, bool keep_slash) {
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kUpperHex[c >> 4]);
      out.push_back(kUpperHex[c & 0x0f]);
    }
  }
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `%XX` decoded; a `%` that does not start a valid escape stays as it is.
std::string decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int high = hex_digit(text[i + 1]);
      int low = hex_digit(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

// RFC 3986 §5.2.4 dot-segment removal; AWS also drops empty segments (`//`).
std::string remove_dot_segments(std::string_view path) {
  std::vector<std::string_view> kept;
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    auto segment = path.substr(start, end - start);
    if (segment == "..") {
      if (!kept.empty()) kept.pop_back();
    } else if (!segment.empty() && segment != ".") {
      kept.push_back(segment);
    }
    start = end + 1;
  }
  std::string out = path.front() == '/' ? "/" : "";
  for (std::size_t i = 0; i < kept.size(); ++i) {
    if (i > 0) out.push_back('/');
    out.append(kept[i]);
  }
  if (path.back() == '/' && !kept.empty()) out.push_back('/');
  return out.empty() ? "/" : out;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

// Leading and trailing white space removed, inner runs folded to one space.
std::string trim_all(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (is_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

void remove_header(Headers& headers, std::string_view name) {
  std::erase_if(headers, [name](const auto& header) {
    return header.first.size() == name.size()
           && strncasecmp(header.first.data(), name.data(), name.size()) == 0;
  });
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return to_hex(digest, sizeof(digest));
}

std::string amz_date(std::chrono::system_clock::time_point time) {
  auto seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[17];
  std::strftime(text, sizeof(text), "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

std::string canonical_uri(std::string_view path, bool normalize) {
  if (path.empty()) return "/";
  std::string normalized = normalize ? remove_dot_segments(path) : std::string(path);
  std::string out;
  out.reserve(normalized.size() + 16);
  append_encoded(out, normalized, true);
  return out;
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::size_t start = 0;
  while (start < query.size()) {
    auto end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    auto pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    auto equals = pair.find('=');
    auto name = pair.substr(0, equals);
    auto value = equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1);
    std::string encoded_name;
    std::string encoded_value;
    append_encoded(encoded_name, decode(name), false);
    append_encoded(encoded_value, decode(value), false);
    pairs.emplace_back(std::move(encoded_name), std::move(encoded_value));
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out.push_back('&');
    out.append(name).append("=").append(value);
  }
  return out;
}

CanonicalHeaders canonical_headers(const Headers& headers) {
  std::vector<std::pair<std::string, std::string>> lowered;
  lowered.reserve(headers.size());
  for (const auto& [name, value] : headers) lowered.emplace_back(lower(name), trim_all(value));
  std::stable_sort(lowered.begin(), lowered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  CanonicalHeaders out;
  for (std::size_t i = 0; i < lowered.size(); ++i) {
    bool repeat = i > 0 && lowered[i].first == lowered[i - 1].first;
    if (repeat) {
      out.block.pop_back();  // the previous value's newline
      out.block.append(",").append(lowered[i].second).append("\n");
      continue;
    }
    out.block.append(lowered[i].first).append(":").append(lowered[i].second).append("\n");
    if (!out.signed_headers.empty()) out.signed_headers.push_back(';');
    out.signed_headers.append(lowered[i].first);
  }
  return out;
}

std::string canonical_request(const Request& request, bool normalize_path) {
  auto headers = canonical_headers(request.headers);
  std::string out;
  out.append(request.method).append("\n");
  out.append(canonical_uri(request.path, normalize_path)).append("\n");
  out.append(canonical_query(request.query)).append("\n");
  out.append(headers.block).append("\n");
  out.append(headers.signed_headers).append("\n");
  out.append(request.payload_hash);
  return out;
}

std::string credential_scope(std::string_view date, std::string_view region,
                             std::string_view service) {
  std::string out;
  out.append(date).append("/").append(region).append("/").append(service).append("/aws4_request");
  return out;
}

std::string string_to_sign(std::string_view amz_date, std::string_view scope,
                           std::string_view canonical_request) {
  std::string out;
  out.append(kAlgorithm).append("\n").append(amz_date).append("\n").append(scope).append("\n");
  out.append(sha256_hex(canonical_request));
  return out;
}

std::string signing_key(std::string_view secret_access_key, std::string_view date,
                        std::string_view region, std::string_view service) {
  std::string secret = "AWS4";
  secret.append(secret_access_key);
  auto date_key = hmac(secret, date);
  auto region_key = hmac(date_key, region);
  auto service_key = hmac(region_key, service);
  return hmac(service_key, "aws4_request");
}

std::string signature(std::string_view key, std::string_view string_to_sign) {
  auto raw = hmac(key, string_to_sign);
  return to_hex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

Signature sign(Request& request, const Credentials& credentials, const Options& options) {
  auto date_time = amz_date(options.time);
  auto date = date_time.substr(0, 8);
  remove_header(request.headers, "X-Amz-Date");
  request.headers.emplace_back("X-Amz-Date", date_time);
  if (options.sign_body_header) {
    remove_header(request.headers, "X-Amz-Content-Sha256");
    request.headers.emplace_back("X-Amz-Content-Sha256", request.payload_hash);
  }
  if (credentials.session_token) remove_header(request.headers, "X-Amz-Security-Token");
  if (credentials.session_token && !options.omit_session_token) {
    request.headers.emplace_back("X-Amz-Security-Token", *credentials.session_token);
  }
  Signature out;
  out.canonical_request = canonical_request(request, options.normalize_path);
  auto scope = credential_scope(date, options.region, options.service);
  out.string_to_sign = string_to_sign(date_time, scope, out.canonical_request);
  auto key = signing_key(credentials.secret_access_key, date, options.region, options.service);
  out.signature = signature(key, out.string_to_sign);
  out.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key_id + "/"
                      + scope
                      + ", SignedHeaders=" + canonical_headers(request.headers).signed_headers
                      + ", Signature=" + out.signature;
  if (credentials.session_token && options.omit_session_token) {
    request.headers.emplace_back("X-Amz-Security-Token", *credentials.session_token);
  }
  return out;
}

}  // namespace cruddur::aws::sigv4
