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
}

namespace cruddur::service {

/// What a reply changed (activities/reply returns it): the handles and activities whose cached
/// responses show it.
struct ReplyChange {
  std::string author;         ///< handle of the reply's author
  std::string parent_uuid;    ///< the activity replied to (its replies_count went up)
  std::string parent_author;  ///< its author's handle
  /// When the parent is itself a reply: the activity whose show page lists the parent.
  std::optional<std::string> grandparent_uuid;
  std::optional<std::string> grandparent_author;
};

/// The cached read responses and what each write invalidates (docs/cache.md); the keys are made
/// here only. Reads go through cache-aside with single-flight and `ttl`; the value is whatever the
/// loader returned (the JSON Postgres built; for home, with its cursor), stored and returned
/// untouched. Handles are used exactly as given: the SQL
/// matches them case-sensitively, so the one spelling that finds a user is the one writes use.
/// Invalidations run after the write has committed and before it is acknowledged; they throw
/// cache::CacheError("cache_invalidation_failed") when a shared cache could not be cleared.
/// Thread-safe; `feeds` must outlive it.
class FeedCache {
 public:
  /// Produces the value on a miss; its exceptions reach the caller, and nothing is cached.
  using Loader = std::function<asio::awaitable<std::string>()>;
  /// A read's value: immutable and shared with the cache (a hit copies nothing).
  using Text = std::shared_ptr<const std::string>;

  /// When the cache under `feeds` stores nothing (`CACHE_URL=none://`) the feed cache is off:
  /// every read runs its loader — no cached value and no sharing of concurrent loads — and
  /// invalidations do nothing.
  FeedCache(cache::CacheAside& feeds, std::chrono::seconds ttl);

  /// The first page (default limit, no cursor) of the home feed, the same for every caller.
  asio::awaitable<Text> home(Loader load);
  /// `/api/activities/@<handle>`.
  asio::awaitable<Text> profile(const std::string& handle, Loader load);
  /// `/api/activities/@<handle>/status/<uuid>` (the SQL matches both, so the key holds both).
  asio::awaitable<Text> show(const std::string& handle, const std::string& uuid, Loader load);

  /// A new activity by `author`: home and the author's profile.
  asio::awaitable<void> created(const std::string& author);
  /// A reply: home, the parent's show page (and the grandparent's), the profiles of the reply's
  /// author and of the parent's author.
  asio::awaitable<void> replied(const ReplyChange& change);
  /// A profile update of `handle`: that profile and home. Show pages quoting the old display name
  /// stay until their TTL.
  asio::awaitable<void> profile_updated(const std::string& handle);

 private:
  // The one place that tells a cache on from off.
  asio::awaitable<Text> read(std::string key, Loader load);
  asio::awaitable<void> clear(std::vector<std::string> keys);

  cache::CacheAside* feeds_;  ///< null when the cache is off
  std::chrono::seconds ttl_;
};

}  // namespace cruddur::service
