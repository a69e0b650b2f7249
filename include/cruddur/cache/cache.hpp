#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cruddur/core/asio.hpp"
#include "cruddur/core/error.hpp"

namespace cruddur::cache {

/// A backend failed. Codes: `cache_unavailable` (cannot reach it, connection lost, 5xx),
/// `cache_timeout`, `cache_unauthorized` (401/403, bad password), `cache_throttled` (429),
/// `cache_rejected` (the backend refused the request, e.g. 400 or a Redis error reply),
/// `cache_protocol_error` (an answer we do not understand), `cache_invalidation_failed`
/// (SafeCache::del). Messages never contain a token or a password.
class CacheError : public Error {
 public:
  using Error::Error;
};

/// A key/value cache of text with per-entry TTL. One interface, several backends (see
/// make_cache). Implementations are thread-safe: calls may come from any thread of the executor's
/// context, concurrently. Raw backends throw CacheError; wrap them in SafeCache so that the cache
/// can only ever help.
class Cache {
 public:
  virtual ~Cache() = default;
  Cache() = default;
  Cache(const Cache&) = delete;
  Cache& operator=(const Cache&) = delete;

  /// The value, or nullopt on a miss (absent or expired).
  virtual asio::awaitable<std::optional<std::string>> get(std::string key) = 0;
  /// The value as immutable shared text, or null on a miss: for callers that keep or forward it
  /// (a cached response body) without copying it. In-process backends hand out the stored value
  /// itself; the default wraps get().
  virtual asio::awaitable<std::shared_ptr<const std::string>> get_shared(std::string key);
  /// Stores `value` for `ttl` (at least one second), replacing any previous value.
  virtual asio::awaitable<void> set(std::string key, std::string value,
                                    std::chrono::seconds ttl) = 0;
  /// Removes the keys (absent keys are fine). When it returns, no later get sees the old values.
  virtual asio::awaitable<void> del(std::vector<std::string> keys) = 0;
  /// `memory`, `redis`, `momento` or `none` (for logs and metrics labels).
  [[nodiscard]] virtual std::string_view backend() const = 0;
  /// False for a backend that stores nothing (`none://`): caching through it is off.
  [[nodiscard]] virtual bool stores_values() const noexcept { return true; }
  /// True for in-process backends whose calls never suspend and never throw CacheError: SafeCache
  /// then calls them directly instead of racing each call against its budget.
  [[nodiscard]] virtual bool in_process() const noexcept { return false; }
  /// Removes every entry an in-process backend holds (e.g. after invalidations may have been
  /// missed). Shared backends keep theirs: other processes use them. Never throws CacheError.
  virtual void clear_in_process() {}
  /// Removes `keys` from an in-process backend at once, without suspending (shared backends: no-op;
  /// del() reaches them). Never throws CacheError.
  virtual void remove_in_process(const std::vector<std::string>& /*keys*/) {}
  /// Ends the backend's background work (open connections, reads in progress) so that its
  /// executor can run out of work at shutdown; later calls fail (over a SafeCache: misses).
  /// Idempotent, callable from any thread. Backends without background work do nothing.
  virtual void close() {}
};

}  // namespace cruddur::cache
