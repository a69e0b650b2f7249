// Reads ARCHITECTURE §4 settings from the environment, with defaults and validation.
#include "cruddur/core/config.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <charconv>
#include <climits>
#include <limits>

#include "cruddur/core/error.hpp"

namespace cruddur::core {
namespace {

std::uint64_t parse_number(const std::string& name, const std::string& text, std::uint64_t min,
                           std::uint64_t max) {
  std::uint64_t value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || value < min || value > max) {
    throw Error("invalid_config", fmt::format("{} must be a whole number from {} to {}, got '{}'",
                                              name, min, max, text));
  }
  return value;
}

void read_string(const EnvLookup& env, const char* name, std::string& out) {
  if (auto value = env(name)) out = *value;
}

void read_optional(const EnvLookup& env, const char* name, std::optional<std::string>& out) {
  if (auto value = env(name)) out = *value;
}

template <typename Int>
void read_number(const EnvLookup& env, const char* name, Int& out, std::uint64_t min,
                 std::uint64_t max) {
  if (auto value = env(name)) out = static_cast<Int>(parse_number(name, *value, min, max));
}

void read_millis(const EnvLookup& env, const char* name, std::chrono::milliseconds& out) {
  if (auto value = env(name)) {
    out = std::chrono::milliseconds(parse_number(name, *value, 1, 3'600'000));
  }
}

void require_one_of(const char* name, const std::string& value,
                    std::initializer_list<const char*> allowed) {
  for (const char* candidate : allowed) {
    if (value == candidate) return;
  }
  throw Error("invalid_config",
              fmt::format("{} must be one of {}, got '{}'", name, fmt::join(allowed, ", "), value));
}

std::filesystem::path default_db_dir(const EnvLookup& env) {
  if (auto dir = env("CRUDDUR_DB_DIR")) return *dir;
  char exe[PATH_MAX];
  auto length = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (length > 0) {
    auto installed =
        std::filesystem::path(std::string(exe, static_cast<std::size_t>(length))).parent_path()
        / ".." / "share" / "cruddur" / "db";
    if (std::filesystem::exists(installed / "schema.sql")) return installed.lexically_normal();
  }
  return CRUDDUR_SOURCE_DB_DIR;
}

}  // namespace

const std::string& Config::database_url(bool prod) const {
  if (!prod) return connection_url;
  if (!prod_connection_url) {
    throw Error(
        "missing_prod_url",
        "PROD_CONNECTION_URL is not set: export it (see docs/operations.md) or drop --prod");
  }
  return *prod_connection_url;
}

Config load_config(const EnvLookup& env) {
  Config config;
  read_string(env, "CONNECTION_URL", config.connection_url);
  read_optional(env, "PROD_CONNECTION_URL", config.prod_connection_url);
  read_string(env, "HOST", config.host);
  read_number(env, "PORT", config.port, 1, std::numeric_limits<std::uint16_t>::max());
  read_optional(env, "FRONTEND_URL", config.frontend_url);
  read_optional(env, "BACKEND_URL", config.backend_url);

  read_optional(env, "AWS_DEFAULT_REGION", config.aws_region);
  read_optional(env, "AWS_COGNITO_USER_POOL_ID", config.cognito_user_pool_id);
  read_optional(env, "AWS_COGNITO_USER_POOL_CLIENT_ID", config.cognito_user_pool_client_id);
  read_optional(env, "COGNITO_JWKS_URL", config.cognito_jwks_url);
  read_optional(env, "AWS_ENDPOINT_URL", config.aws_endpoint_url);
  read_string(env, "DDB_MESSAGE_TABLE", config.ddb_message_table);

  read_string(env, "CACHE_URL", config.cache_url);
  if (auto ttl = env("CACHE_TTL_SECONDS")) {
    config.cache_ttl = std::chrono::seconds(parse_number("CACHE_TTL_SECONDS", *ttl, 1, 86'400));
  }
  read_optional(env, "MOMENTO_AUTH_TOKEN", config.momento_api_key);
  read_optional(env, "MOMENTO_API_KEY", config.momento_api_key);
  read_optional(env, "MOMENTO_ENDPOINT", config.momento_endpoint);

  read_number(env, "THREADS", config.threads, 1, 1024);
  read_number(env, "DB_POOL_SIZE", config.db_pool_size, 1, 1024);
  read_millis(env, "DB_ACQUIRE_TIMEOUT_MS", config.db_acquire_timeout);
  read_millis(env, "DB_STATEMENT_TIMEOUT_MS", config.db_statement_timeout);

  config.db_dir = default_db_dir(env);
  if (auto dir = env("CRUDDUR_DEV_KEY_DIR")) {
    config.dev_key_dir = *dir;
  } else {
    config.dev_key_dir = (config.db_dir / ".." / ".cruddur" / "dev-jwt").lexically_normal();
  }

  read_optional(env, "ADMIN_USERNAME", config.admin_username);
  read_optional(env, "ADMIN_PASSWORD", config.admin_password);
  if (config.admin_username.has_value() != config.admin_password.has_value()) {
    throw Error("invalid_config",
                "ADMIN_USERNAME and ADMIN_PASSWORD go together: set both to turn the admin pages "
                "on, or neither");
  }

  read_string(env, "LOG_FORMAT", config.log_format);
  require_one_of("LOG_FORMAT", config.log_format, {"text", "json"});
  read_string(env, "LOG_LEVEL", config.log_level);
  require_one_of("LOG_LEVEL", config.log_level,
                 {"trace", "debug", "info", "warn", "error", "critical", "off"});
  return config;
}

}  // namespace cruddur::core
