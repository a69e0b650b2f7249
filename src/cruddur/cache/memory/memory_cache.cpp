// The in-process cache backend: a mutex-guarded LRU list + hash index, bounded by bytes and
// entries, with TTLs checked on read.
#include "cruddur/cache/memory_cache.hpp"

#include <list>
#include <mutex>
#include <unordered_map>

namespace cruddur::cache {
namespace {

using Clock = std::chrono::steady_clock;

struct Entry {
  std::string key;
  std::shared_ptr<const std::string> value;  // shared with readers: a hit copies nothing
  Clock::time_point expires_at;
  std::size_t cost = 0;
};

}  // namespace

struct MemoryCache::State {
  MemoryCacheOptions options;
  mutable std::mutex mutex;
  std::list<Entry> lru;  // most recently used at the front
  std::unordered_map<std::string, std::list<Entry>::iterator> index;
  std::size_t bytes = 0;

  Clock::time_point now() const { return options.clock ? options.clock() : Clock::now(); }

  void erase(std::list<Entry>::iterator entry) {
    bytes -= entry->cost;
    index.erase(entry->key);
    lru.erase(entry);
  }

  void evict_to_fit(std::size_t incoming_cost) {
    while (!lru.empty()
           && (bytes + incoming_cost > options.max_bytes || lru.size() + 1 > options.max_entries)) {
      erase(std::prev(lru.end()));
    }
  }
};

MemoryCache::MemoryCache(MemoryCacheOptions options) : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
}

MemoryCache::~MemoryCache() = default;

std::optional<std::string> MemoryCache::get_now(const std::string& key) {
  auto value = get_shared_now(key);
  if (!value) return std::nullopt;
  return *value;
}

std::shared_ptr<const std::string> MemoryCache::get_shared_now(const std::string& key) {
  auto& s = *state_;
  std::lock_guard lock(s.mutex);
  auto found = s.index.find(key);
  if (found == s.index.end()) return nullptr;
  auto entry = found->second;
  if (entry->expires_at <= s.now()) {
    s.erase(entry);
    return nullptr;
  }
  s.lru.splice(s.lru.begin(), s.lru, entry);
  return entry->value;
}

void MemoryCache::set_now(const std::string& key, std::string value, std::chrono::seconds ttl) {
  auto& s = *state_;
  auto cost = key.size() + value.size() + kEntryOverhead;
  std::lock_guard lock(s.mutex);
  if (auto found = s.index.find(key); found != s.index.end()) s.erase(found->second);
  if (cost > s.options.max_bytes || s.options.max_entries == 0 || ttl.count() <= 0) return;
  s.evict_to_fit(cost);
  auto shared = std::make_shared<const std::string>(std::move(value));
  s.lru.push_front(Entry{key, std::move(shared), s.now() + ttl, cost});
  s.index.emplace(key, s.lru.begin());
  s.bytes += cost;
}

void MemoryCache::del_now(const std::vector<std::string>& keys) {
  auto& s = *state_;
  std::lock_guard lock(s.mutex);
  for (const auto& key : keys) {
    if (auto found = s.index.find(key); found != s.index.end()) s.erase(found->second);
  }
}

void MemoryCache::clear_in_process() {
  auto& s = *state_;
  std::lock_guard lock(s.mutex);
  s.index.clear();
  s.lru.clear();
  s.bytes = 0;
}

std::size_t MemoryCache::entries() const {
  std::lock_guard lock(state_->mutex);
  return state_->lru.size();
}

std::size_t MemoryCache::bytes() const {
  std::lock_guard lock(state_->mutex);
  return state_->bytes;
}

asio::awaitable<std::optional<std::string>> MemoryCache::get(std::string key) {
  co_return get_now(key);
}

asio::awaitable<std::shared_ptr<const std::string>> MemoryCache::get_shared(std::string key) {
  co_return get_shared_now(key);
}

asio::awaitable<void> MemoryCache::set(std::string key, std::string value,
                                       std::chrono::seconds ttl) {
  set_now(key, std::move(value), ttl);
  co_return;
}

asio::awaitable<void> MemoryCache::del(std::vector<std::string> keys) {
  del_now(keys);
  co_return;
}

}  // namespace cruddur::cache
