#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "cruddur/cache/cache.hpp"
#include "cruddur/core/config.hpp"

namespace cruddur::cache {

/// What make_cache needs: the `CACHE_URL` and the Momento credentials (ARCHITECTURE §4).
struct CacheSettings {
  /// `memory://[?max_bytes=N&max_entries=N]`, `redis://[[user]:password@]host[:port][/db]`,
  /// `momento://<cache-name>` or `none://`.
  std::string url = "memory://";
  std::optional<std::string> momento_api_key;  ///< sent raw in `Authorization`; never logged
  /// `<endpoint>` (base `https://api.cache.<endpoint>`) or a full base URL
  /// (`http://127.0.0.1:port`).
  std::optional<std::string> momento_endpoint;
  /// The backend's own bound on each call (Redis, Momento); SafeCache's budget is usually smaller.
  std::chrono::milliseconds operation_timeout{1000};
  /// Extra trusted CA certificates (PEM) for a Momento endpoint with a private certificate.
  std::optional<std::string> extra_ca_file;
};

/// The settings from the process configuration.
CacheSettings cache_settings(const core::Config& config);

/// A parsed `redis://` URL.
struct RedisEndpoint {
  std::string host;
  std::uint16_t port = 6379;
  unsigned db = 0;
  std::optional<std::string> user;  ///< with a password: `AUTH user password` (Redis 6 ACL)
  std::optional<std::string> password;
};

/// Parses `redis://[[user]:password@]host[:port][/db]` (password percent-decoded).
/// Throws cruddur::Error("invalid_config") naming the problem (the password is never echoed).
RedisEndpoint parse_redis_url(const std::string& url);

/// Builds the backend `settings.url` names. Connections are made lazily: a backend that is down
/// at start-up is not an error here (its calls fail, and SafeCache turns that into misses).
/// Throws cruddur::Error("invalid_config") for an unknown scheme, a malformed URL, or momento://
/// without MOMENTO_API_KEY / MOMENTO_ENDPOINT. Never logs or echoes a secret.
/// The backend runs its I/O on `executor`'s context, which must outlive it.
std::shared_ptr<Cache> make_cache(asio::any_io_executor executor, const CacheSettings& settings);

}  // namespace cruddur::cache
