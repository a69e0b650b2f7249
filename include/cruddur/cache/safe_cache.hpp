#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

#include "cruddur/cache/cache.hpp"

namespace cruddur::cache {

/// Counters of a SafeCache, as a plain snapshot for /metrics.
struct CacheStats {
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;    ///< real misses (the backend answered "absent")
  std::uint64_t errors = 0;    ///< backend errors on any call (each also counted as a miss on get)
  std::uint64_t timeouts = 0;  ///< calls abandoned at the budget (each also a miss on get)
  std::uint64_t sets = 0;
  std::uint64_t set_failures = 0;  ///< sets that failed or timed out (ignored)
  std::uint64_t invalidations = 0;
  std::uint64_t invalidation_failures = 0;  ///< dels that failed or timed out (thrown)
};

struct SafeCacheOptions {
  /// Bound of each get and set: past it the call is a miss (or an ignored set).
  std::chrono::milliseconds budget{50};
  /// Bound of each del: a write waits at most this long for its shared delete before it is
  /// answered (a failed or late delete is then retried in the background: InvalidationRetry).
  std::chrono::milliseconds invalidation_budget{100};
};

/// Decorator that makes any backend "only ever help". get: a backend error or a call slower than
/// the budget is a miss (nullopt), counted and logged (at most one log line per second); set: the
/// same, ignored. The abandoned backend call finishes in the background (backends bound their own
/// calls). del is different: a shared backend that could not be invalidated may serve stale data to
/// other processes, so del throws CacheError("cache_invalidation_failed") on error or timeout and
/// the caller decides (the feed cache retries it in the background: InvalidationRetry). In-process
/// backends (Cache::in_process) are called directly, without the race. Thread-safe.
class SafeCache final : public Cache {
 public:
  SafeCache(std::shared_ptr<Cache> backend, SafeCacheOptions options = {});
  ~SafeCache() override;

  /// Never throws CacheError.
  asio::awaitable<std::optional<std::string>> get(std::string key) override;
  /// Never throws CacheError; an in-process backend's own shared value.
  asio::awaitable<std::shared_ptr<const std::string>> get_shared(std::string key) override;
  /// Never throws CacheError.
  asio::awaitable<void> set(std::string key, std::string value, std::chrono::seconds ttl) override;
  /// Throws CacheError("cache_invalidation_failed") when the backend failed or timed out.
  asio::awaitable<void> del(std::vector<std::string> keys) override;
  [[nodiscard]] std::string_view backend() const override;
  [[nodiscard]] bool stores_values() const noexcept override { return backend_->stores_values(); }
  /// Closes the backend.
  void close() override { backend_->close(); }
  void clear_in_process() override { backend_->clear_in_process(); }
  void remove_in_process(const std::vector<std::string>& keys) override {
    backend_->remove_in_process(keys);
  }

  [[nodiscard]] CacheStats stats() const;

 private:
  struct Counters;
  std::shared_ptr<Cache> backend_;
  SafeCacheOptions options_;
  std::unique_ptr<Counters> counters_;
};

}  // namespace cruddur::cache
