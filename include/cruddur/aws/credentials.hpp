#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace cruddur::aws {

/// AWS credentials. Secrets: never log, print or put any field but `access_key_id` in an error.
struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::optional<std::string> session_token;  ///< temporary credentials (STS, ECS, Lambda)
  /// When temporary credentials stop working; nullopt for long-term keys.
  std::optional<std::chrono::system_clock::time_point> expiration;
  std::string source;  ///< where they came from, for log lines: `environment`, `container` …
};

}  // namespace cruddur::aws
