#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "cruddur/aws/credentials.hpp"
#include "cruddur/core/asio.hpp"
#include "cruddur/core/env.hpp"

namespace cruddur::net {
class HttpClient;
}

namespace cruddur::aws {

/// Settings of the credentials chain.
struct CredentialsOptions {
  /// Temporary credentials are fetched again this long before they expire.
  std::chrono::seconds refresh_before{std::chrono::minutes(5)};
  std::chrono::milliseconds fetch_timeout{2000};  ///< one call to the container endpoint
  /// Used when the chain finds nothing and an endpoint override (moto, DynamoDB Local) is set:
  /// emulators route by the signed service name, so something must sign.
  bool dummy_when_emulated = false;
  /// The clock (tests move it).
  std::function<std::chrono::system_clock::time_point()> now = [] {
    return std::chrono::system_clock::now();
  };
};

/// The credentials chain, in order:
/// 1. the environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN` (this is
///    also how Lambda hands a function its role's credentials; `source` says `lambda` there);
/// 2. the ECS container endpoint: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (on
///    `http://169.254.170.2`) or `AWS_CONTAINER_CREDENTIALS_FULL_URI`, with
///    `AWS_CONTAINER_AUTHORIZATION_TOKEN` (or the file named by `…_TOKEN_FILE`) as its
///    Authorization header; fetched asynchronously and again `refresh_before` their expiry (a
///    failed refresh keeps the old ones while they last, logged).
/// Throws AwsError `aws_no_credentials` when nothing provides them (the message says what to
/// set), `aws_unavailable` when the container endpoint cannot be read. Never logs a secret.
/// Thread-safe; `http` must outlive it.
class CredentialsProvider {
 public:
  CredentialsProvider(net::HttpClient& http, core::EnvLookup env, CredentialsOptions options = {});

  /// Current credentials, fetched or refreshed first when needed.
  asio::awaitable<Credentials> get();

 private:
  std::optional<Credentials> from_environment() const;
  asio::awaitable<Credentials> from_container(const std::string& url) const;
  [[nodiscard]] bool fresh(const Credentials& credentials) const;

  net::HttpClient& http_;
  core::EnvLookup env_;
  CredentialsOptions options_;
  std::mutex mutex_;
  std::optional<Credentials> cached_;
  std::atomic<bool> refreshing_{false};
};

}  // namespace cruddur::aws
