#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cruddur/cache/cache.hpp"

namespace cruddur::cache {

/// Read-aside caching with single-flight: on a miss, concurrent callers for the same key in this
/// process await ONE loader call, whose result is returned to all of them and stored with the TTL.
/// Use it over a SafeCache so that cache trouble is a miss and not an error.
/// Thread-safe. Must outlive the calls in progress.
class CacheAside {
 public:
  /// Produces the value on a miss (e.g. the feed's JSON from Postgres).
  using Loader = std::function<asio::awaitable<std::string>()>;
  /// A value as handed out: immutable and shared (a hit on an in-process cache copies nothing).
  using Value = std::shared_ptr<const std::string>;

  explicit CacheAside(Cache& cache);
  ~CacheAside();

  /// The cached value, or the loader's result (then cached for `ttl`). A loader exception reaches
  /// every caller waiting on that load and nothing is cached. A load that overlaps an
  /// invalidate() is returned but not cached, so a write is never hidden by a load that started
  /// before it. Cache errors propagate as the cache throws them (none, over a SafeCache).
  asio::awaitable<Value> get_or_load(std::string key, std::chrono::seconds ttl, Loader loader);

  /// Invalidates after a write: loads in progress will not be cached, later calls do not join
  /// them, and the keys are deleted from the cache. Throws what the cache's del throws (over a
  /// SafeCache: CacheError("cache_invalidation_failed")) once the in-process part is done.
  asio::awaitable<void> invalidate(std::vector<std::string> keys);
  /// The in-process part of invalidate(), done before it returns (nothing is awaited): loads in
  /// progress will not be cached and an in-process backend no longer holds the keys
  /// (Cache::remove_in_process). Never throws CacheError.
  void forget(const std::vector<std::string>& keys);
  /// Invalidates everything this process holds: no load in progress will be cached and the
  /// cache's in-process entries are removed (Cache::clear_in_process). Never throws CacheError.
  void invalidate_all();

  /// Whether the cache underneath stores anything (Cache::stores_values).
  [[nodiscard]] bool stores_values() const noexcept { return cache_.stores_values(); }

  /// Loads in progress (for tests and metrics).
  [[nodiscard]] std::size_t loads_in_flight() const;

 private:
  struct Flight;
  asio::awaitable<Value> lead(std::string key, std::chrono::seconds ttl, Loader loader,
                              std::shared_ptr<Flight> flight);
  // Runs on the flight's strand: the loader's result once it is there.
  static asio::awaitable<Value> await_flight(std::shared_ptr<Flight> flight);
  asio::awaitable<void> delete_quietly(std::string key);
  // Removes `flight` from the map if it is still the key's flight.
  void leave(const std::string& key, const std::shared_ptr<Flight>& flight) noexcept;
  // Hands the load's result to the waiters (on the flight's strand).
  static void complete(const std::shared_ptr<Flight>& flight, Value value,
                       std::exception_ptr error);

  Cache& cache_;
  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Flight>> flights_;
  std::atomic<std::uint64_t> epoch_{0};  // bumped by every invalidate
};

}  // namespace cruddur::cache
