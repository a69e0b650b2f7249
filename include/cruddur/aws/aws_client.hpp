#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cruddur/aws/credentials_provider.hpp"
#include "cruddur/core/asio.hpp"
#include "cruddur/core/config.hpp"
#include "cruddur/core/env.hpp"

namespace cruddur::net {
class HttpClient;
}

namespace cruddur::aws {

/// An AWS service spoken to with the JSON protocol.
struct AwsService {
  std::string signing_name;     ///< SigV4 service name, e.g. `dynamodb`
  std::string endpoint_prefix;  ///< host prefix: `https://<prefix>.<region>.amazonaws.com`
  std::string target_prefix;    ///< `X-Amz-Target: <prefix>.<Operation>`
  std::string json_version;     ///< `application/x-amz-json-<version>`
};

/// DynamoDB, DynamoDB Streams and the Cognito user pools API.
const AwsService& dynamodb_service();
const AwsService& dynamodb_streams_service();
const AwsService& cognito_idp_service();

/// Settings of AwsClient. `from_config` reads AWS_DEFAULT_REGION (else AWS_REGION, else
/// us-east-1), AWS_ENDPOINT_URL and, as AWS's SDKs do, the per-service overrides
/// AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_DYNAMODB_STREAMS and
/// AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER.
struct AwsClientOptions {
  std::string region = "us-east-1";
  /// Every service at this URL instead of AWS (moto_server, DynamoDB Local).
  std::optional<std::string> endpoint_url;
  /// One service elsewhere, by AwsService::endpoint_prefix (`dynamodb`, `streams.dynamodb`,
  /// `cognito-idp`); beats endpoint_url.
  std::map<std::string, std::string> service_endpoints;

  /// True when some service goes to an emulator instead of AWS.
  [[nodiscard]] bool emulated() const { return endpoint_url || !service_endpoints.empty(); }
  std::chrono::milliseconds attempt_timeout{2000};  ///< one HTTP exchange, connect included
  std::chrono::milliseconds budget{5000};           ///< one call, every retry and wait included
  unsigned max_attempts = 4;                        ///< first try included
  std::chrono::milliseconds backoff_base{50};       ///< full jitter: U(0, min(cap, base·2^n))
  std::chrono::milliseconds backoff_cap{1000};
  std::size_t max_idle_connections = 16;  ///< kept-alive connections per endpoint

  static AwsClientOptions from_config(const core::Config& config, const core::EnvLookup& env);
};

/// Per-call overrides.
struct CallOptions {
  bool sign = true;  ///< false for APIs authorised by a token in the body (Cognito GetUser)
  /// Tightens the client's budget for this call (never loosens it).
  std::optional<std::chrono::milliseconds> budget;
};

/// Counters (monotonic, readable from any thread).
struct AwsClientStats {
  std::uint64_t calls = 0;
  std::uint64_t attempts = 0;
  std::uint64_t retries_throttled = 0;
  std::uint64_t retries_server = 0;  ///< 5xx, connection failures, timeouts
  std::uint64_t failures = 0;        ///< calls that threw
};

/// The generic AWS JSON-protocol client on net's async HttpClient: `POST /` with
/// `X-Amz-Target`, SigV4-signed with the credentials chain, over kept-alive connections, each
/// attempt within `attempt_timeout` and the whole call within `budget`. Throttling, 5xx,
/// connection failures and timeouts are retried with full-jitter exponential backoff, at most
/// `max_attempts` tries; other errors are thrown at once. Errors are AwsError (TransactionCanceled
/// with its reasons), typed by the answer's `__type`. Log lines and errors never carry a key, a
/// token, a signature or a request body. Thread-safe; no thread ever blocks.
class AwsClient {
 public:
  /// Builds its own HttpClient and CredentialsProvider on `executor` (credentials from `env`).
  AwsClient(asio::any_io_executor executor, AwsClientOptions options, core::EnvLookup env,
            CredentialsOptions credentials = {});
  ~AwsClient();
  AwsClient(const AwsClient&) = delete;
  AwsClient& operator=(const AwsClient&) = delete;

  /// `operation` of `service` with the JSON text `body`; the answer's JSON (an empty object when
  /// the body is empty).
  asio::awaitable<nlohmann::json> call(const AwsService& service, std::string operation,
                                       std::string body, CallOptions options = {});

  /// The URL requests to `service` go to.
  [[nodiscard]] std::string endpoint(const AwsService& service) const;
  [[nodiscard]] const AwsClientOptions& options() const noexcept { return options_; }
  [[nodiscard]] AwsClientStats stats() const;
  CredentialsProvider& credentials() { return *credentials_; }
  /// Closes kept-alive connections (at shutdown).
  void close();

 private:
  struct Counters {
    std::atomic<std::uint64_t> calls{0}, attempts{0}, retries_throttled{0}, retries_server{0},
        failures{0};
  };

  asio::any_io_executor executor_;
  AwsClientOptions options_;
  std::unique_ptr<net::HttpClient> http_;
  std::unique_ptr<CredentialsProvider> credentials_;
  Counters counters_;
};

}  // namespace cruddur::aws
