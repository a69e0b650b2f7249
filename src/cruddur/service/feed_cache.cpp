// The feed cache's keys and invalidation map: which cached responses each write changes.
#include "cruddur/service/feed_cache.hpp"

#include <utility>
#include <vector>

#include "cruddur/cache/cache_aside.hpp"
#include "cruddur/cache/invalidation_retry.hpp"
#include "cruddur/service/change.hpp"

namespace cruddur::service {
namespace {

// `v1:` lets a release that changes a response's shape start from an empty namespace in a shared
// cache.
constexpr const char* kHomeKey = "v1:home";

// The cache off: the loader's value, shared like a cached one.
asio::awaitable<FeedCache::Text> load_shared(FeedCache::Loader load) {
  auto loaded = co_await load();
  co_return std::make_shared<const std::string>(std::move(loaded));
}

}  // namespace

FeedCache::FeedCache(cache::CacheAside& feeds, cache::InvalidationRetry* retry,
                     std::chrono::seconds ttl)
    : feeds_(feeds.stores_values() ? &feeds : nullptr), retry_(retry), ttl_(ttl) {}

std::string FeedCache::home_key() {
  return kHomeKey;
}

std::string FeedCache::profile_key(const std::string& handle) {
  return "v1:profile:" + handle;
}

// The uuid (fixed length) comes last, so a handle containing ':' cannot make two keys collide.
std::string FeedCache::show_key(const std::string& handle, const std::string& uuid) {
  return "v1:show:" + handle + ":" + uuid;
}

std::vector<std::string> FeedCache::keys(const Change& change) {
  std::vector<std::string> keys;
  keys.emplace_back(kHomeKey);
  keys.push_back(profile_key(change.author));
  if (change.kind != Change::Kind::reply) return keys;
  if (change.parent_uuid && change.parent_author) {
    keys.push_back(show_key(*change.parent_author, *change.parent_uuid));
    if (*change.parent_author != change.author) keys.push_back(profile_key(*change.parent_author));
  }
  if (change.grandparent_uuid && change.grandparent_author) {
    keys.push_back(show_key(*change.grandparent_author, *change.grandparent_uuid));
  }
  return keys;
}

// The reads are plain functions handing back CacheAside's awaitable (whose frame owns the key
// and the loader): one coroutine frame less on every cached hit.
asio::awaitable<FeedCache::Text> FeedCache::read(std::string key, Loader load) {
  if (feeds_ == nullptr) return load_shared(std::move(load));
  return feeds_->get_or_load(std::move(key), ttl_, std::move(load));
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

asio::awaitable<void> FeedCache::invalidate(std::vector<std::string> keys) {
  if (feeds_ == nullptr) co_return;
  auto copy = keys;  // the retry's, should the shared delete fail
  bool cleared = false;
  try {
    co_await feeds_->invalidate(std::move(keys));
    cleared = true;
  } catch (const cache::CacheError&) {
    // Counted and logged by SafeCache; this process's part is done.
  }
  if (!cleared && retry_ != nullptr) retry_->add(std::move(copy));
}

void FeedCache::forget(const std::vector<std::string>& keys) {
  if (feeds_ != nullptr) feeds_->forget(keys);
}

void FeedCache::invalidate_all() {
  if (feeds_ != nullptr) feeds_->invalidate_all();
}

}  // namespace cruddur::service
