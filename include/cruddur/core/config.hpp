#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "cruddur/core/env.hpp"

namespace cruddur::core {

/// The URL of the project-local cluster started by `scripts/local-postgres` (trust auth, loopback).
inline constexpr const char* kLocalConnectionUrl = "postgresql://postgres@127.0.0.1:15432/cruddur";

/// Every setting of ARCHITECTURE §4, read once at start-up. Immutable afterwards.
struct Config {
  std::string connection_url = kLocalConnectionUrl;
  std::optional<std::string> prod_connection_url;
  std::string host = "127.0.0.1";
  std::uint16_t port = 4567;
  std::optional<std::string> frontend_url;
  std::optional<std::string> backend_url;

  std::optional<std::string> aws_region;
  std::optional<std::string> cognito_user_pool_id;
  std::optional<std::string> cognito_user_pool_client_id;
  std::optional<std::string> cognito_jwks_url;
  std::optional<std::string> aws_endpoint_url;
  std::string ddb_message_table = "cruddur-messages";

  std::string cache_url = "memory://";
  std::chrono::seconds cache_ttl{60};
  std::optional<std::string> momento_api_key;
  std::optional<std::string> momento_endpoint;

  unsigned threads = 0;       ///< 0 = one per core
  unsigned db_pool_size = 0;  ///< 0 = 2 x cores
  std::chrono::milliseconds db_acquire_timeout{5000};
  std::chrono::milliseconds db_statement_timeout{5000};

  /// Holds schema.sql, seed.sql, migrations/ and sql/: CRUDDUR_DB_DIR, else the installed
  /// `<prefix>/share/cruddur/db` next to the binary, else the source tree's db/.
  std::filesystem::path db_dir;
  /// The local development signing key for `cruddur dev-token` (never trusted with --prod):
  /// CRUDDUR_DEV_KEY_DIR, else `.cruddur/dev-jwt` beside db_dir.
  std::filesystem::path dev_key_dir;

  /// HTTP Basic credentials of `/admin/*` and `/api/admin/*`; both set or both unset (then the
  /// admin routes are off).
  std::optional<std::string> admin_username;
  std::optional<std::string> admin_password;

  std::string log_format = "text";
  std::string log_level = "info";

  /// The URL to use: `PROD_CONNECTION_URL` when `prod`, else `CONNECTION_URL`.
  /// Throws cruddur::Error("missing_prod_url") when prod is asked for but not configured.
  [[nodiscard]] const std::string& database_url(bool prod) const;
};

/// Reads the configuration. Throws cruddur::Error("invalid_config") naming the variable and the
/// accepted values when one is malformed (values of secret variables are never echoed).
Config load_config(const EnvLookup& env);

}  // namespace cruddur::core
