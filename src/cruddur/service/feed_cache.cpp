// The feed cache's keys and invalidation map: which cached responses each write changes.
#include "cruddur/service/feed_cache.hpp"

#include <utility>
#include <vector>

#include "cruddur/cache/cache_aside.hpp"

namespace cruddur::service {
namespace {

// `v1:` lets a release that changes a response's shape start from an empty namespace in a shared
// cache.
constexpr const char* kHomeKey = "v1:home";

std::string profile_key(const std::string& handle) {
  return "v1:profile:" + handle;
}

// The uuid (fixed length) comes last, so a handle containing ':' cannot make two keys collide.
std::string show_key(const std::string& handle, const std::string& uuid) {
  return "v1:show:" + handle + ":" + uuid;
}

// The cache off: the loader's value, shared like a cached one.
asio::awaitable<FeedCache::Text> load_shared(FeedCache::Loader load) {
  auto loaded = co_await load();
  co_return std::make_shared<const std::string>(std::move(loaded));
}

}  // namespace

FeedCache::FeedCache(cache::CacheAside& feeds, std::chrono::seconds ttl)
    : feeds_(feeds.stores_values() ? &feeds : nullptr), ttl_(ttl) {}

// The reads are plain functions handing back CacheAside's awaitable (whose frame owns the key
// and the loader): one coroutine frame less on every cached hit.
asio::awaitable<FeedCache::Text> FeedCache::read(std::string key, Loader load) {
  if (feeds_ == nullptr) return load_shared(std::move(load));
  return feeds_->get_or_load(std::move(key), ttl_, std::move(load));
}

asio::awaitable<void> FeedCache::clear(std::vector<std::string> keys) {
  if (feeds_ != nullptr) co_await feeds_->invalidate(std::move(keys));
}

asio::awaitable<FeedCache::Text> FeedCache::home(Loader load) {
  return read(kHomeKey, std::move(load));
}

asio::awaitable<FeedCache::Text> FeedCache::profile(const std::string& handle, Loader load) {
  return read(profile_key(handle), std::move(load));
}

asio::awaitable<FeedCache::Text> FeedCache::show(const std::string& handle, const std::string& uuid,
                                                 Loader load) {
  return read(show_key(handle, uuid), std::move(load));
}

// Plain functions too: the key list is built before the returned awaitable (clear's frame owns
// it) runs.
asio::awaitable<void> FeedCache::created(const std::string& author) {
  std::vector<std::string> keys;  // not a braced list: g++ 12 miscompiles those in coroutines
  keys.emplace_back(kHomeKey);
  keys.push_back(profile_key(author));
  return clear(std::move(keys));
}

asio::awaitable<void> FeedCache::replied(const ReplyChange& change) {
  std::vector<std::string> keys;
  keys.emplace_back(kHomeKey);
  keys.push_back(show_key(change.parent_author, change.parent_uuid));
  keys.push_back(profile_key(change.author));
  if (change.parent_author != change.author) keys.push_back(profile_key(change.parent_author));
  if (change.grandparent_uuid && change.grandparent_author) {
    keys.push_back(show_key(*change.grandparent_author, *change.grandparent_uuid));
  }
  return clear(std::move(keys));
}

asio::awaitable<void> FeedCache::profile_updated(const std::string& handle) {
  std::vector<std::string> keys;
  keys.push_back(profile_key(handle));
  keys.emplace_back(kHomeKey);
  return clear(std::move(keys));
}

}  // namespace cruddur::service
