#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cruddur/core/asio.hpp"

namespace cruddur::cache {
class CacheAside;
class InvalidationRetry;
}  // namespace cruddur::cache

namespace cruddur::service {

struct Change;

/// The cached read responses and what each write invalidates (docs/cache.md); the keys are made
/// here only. Reads go through cache-aside with single-flight and `ttl`; the value is whatever the
/// loader returned (the JSON Postgres built; for home, with its cursor), stored and returned
/// untouched. Handles are used exactly as given: the SQL matches them case-sensitively, so the one
/// spelling that finds a user is the one writes use.
/// Invalidation never fails: the in-process part is immediate; a shared cache that could not be
/// cleared within its budget is retried in the background (`retry`) until the TTL.
/// Thread-safe; `feeds` and `retry` must outlive it.
class FeedCache {
 public:
  /// Produces the value on a miss; its exceptions reach the caller, and nothing is cached.
  using Loader = std::function<asio::awaitable<std::string>()>;
  /// A read's value: immutable and shared with the cache (a hit copies nothing).
  using Text = std::shared_ptr<const std::string>;

  /// When the cache under `feeds` stores nothing (`CACHE_URL=none://`) the feed cache is off:
  /// every read runs its loader — no cached value and no sharing of concurrent loads — and
  /// invalidations do nothing. Shared deletes that fail go to `retry` (may be null).
  FeedCache(cache::CacheAside& feeds, cache::InvalidationRetry* retry, std::chrono::seconds ttl);

  /// The keys, also what the reads behind them depend on (db::ReadRouter).
  static std::string home_key();
  static std::string profile_key(const std::string& handle);
  static std::string show_key(const std::string& handle, const std::string& uuid);
  /// The cached responses `change` makes stale:
  /// create by h: home, profile h; reply by h to p of ph (p itself a reply to g of gh): home,
  /// show ph/p, profiles h and ph, show gh/g; profile update of h: profile h, home. Show pages
  /// quoting an old display name stay until their TTL.
  static std::vector<std::string> keys(const Change& change);

  /// The first page (default limit, no cursor) of the home feed, the same for every caller.
  asio::awaitable<Text> home(Loader load);
  /// `/api/activities/@<handle>`.
  asio::awaitable<Text> profile(const std::string& handle, Loader load);
  /// `/api/activities/@<handle>/status/<uuid>` (the SQL matches both, so the key holds both).
  asio::awaitable<Text> show(const std::string& handle, const std::string& uuid, Loader load);

  /// Invalidates `keys`: in this process at once, then in a shared cache within its budget (or
  /// later, by the retry). Never throws CacheError.
  asio::awaitable<void> invalidate(std::vector<std::string> keys);
  /// The in-process part of invalidate(), done before it returns (for a notification heard: the
  /// next read here cannot be served the old value, whatever runs first).
  void forget(const std::vector<std::string>& keys);
  /// Invalidates everything this process holds (invalidations may have been missed).
  void invalidate_all();

 private:
  // The one place that tells a cache on from off.
  asio::awaitable<Text> read(std::string key, Loader load);

  cache::CacheAside* feeds_;  ///< null when the cache is off
  cache::InvalidationRetry* retry_;
  std::chrono::seconds ttl_;
};

}  // namespace cruddur::service
