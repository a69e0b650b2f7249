// The in-process cache: LRU order, TTL with a manual clock, byte and entry bounds, concurrency.
#include "cruddur/cache/memory_cache.hpp"

#include <gtest/gtest.h>

#include <thread>

namespace {

using cruddur::cache::MemoryCache;
using cruddur::cache::MemoryCacheOptions;
using namespace std::chrono_literals;

struct ManualClock {
  std::chrono::steady_clock::time_point now{};
};

MemoryCache make(std::size_t max_bytes, std::size_t max_entries, ManualClock* clock = nullptr) {
  MemoryCacheOptions options;
  options.max_bytes = max_bytes;
  options.max_entries = max_entries;
  if (clock != nullptr) options.clock = [clock] { return clock->now; };
  return MemoryCache(options);
}

TEST(MemoryCache, SetGetDel) {
  MemoryCache cache;
  EXPECT_EQ(cache.get_now("k"), std::nullopt);
  cache.set_now("k", "v", 60s);
  EXPECT_EQ(cache.get_now("k"), "v");
  cache.set_now("k", "w", 60s);
  EXPECT_EQ(cache.get_now("k"), "w");
  cache.del_now({"k", "absent"});
  EXPECT_EQ(cache.get_now("k"), std::nullopt);
  EXPECT_EQ(cache.entries(), 0u);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(MemoryCache, HitsShareTheStoredValueWithoutCopying) {
  MemoryCache cache;
  cache.set_now("k", "v", 60s);
  auto first = cache.get_shared_now("k");
  auto second = cache.get_shared_now("k");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first.get(), second.get());
  cache.set_now("k", "w", 60s);
  EXPECT_EQ(*first, "v") << "a value handed out stays valid after it is replaced";
  EXPECT_EQ(*cache.get_shared_now("k"), "w");
  EXPECT_EQ(cache.get_shared_now("absent"), nullptr);
}

TEST(MemoryCache, EntriesExpireAfterTheirTtl) {
  ManualClock clock;
  auto cache = make(1 << 20, 100, &clock);
  cache.set_now("short", "1", 10s);
  cache.set_now("long", "2", 60s);
  clock.now += 9s;
  EXPECT_EQ(cache.get_now("short"), "1");
  clock.now += 1s;
  EXPECT_EQ(cache.get_now("short"), std::nullopt);
  EXPECT_EQ(cache.get_now("long"), "2");
  EXPECT_EQ(cache.entries(), 1u);
}

TEST(MemoryCache, EntryBoundEvictsTheLeastRecentlyUsed) {
  auto cache = make(1 << 20, 2);
  cache.set_now("a", "1", 60s);
  cache.set_now("b", "2", 60s);
  EXPECT_EQ(cache.get_now("a"), "1");  // a is now more recent than b
  cache.set_now("c", "3", 60s);
  EXPECT_EQ(cache.get_now("b"), std::nullopt);
  EXPECT_EQ(cache.get_now("a"), "1");
  EXPECT_EQ(cache.get_now("c"), "3");
  EXPECT_EQ(cache.entries(), 2u);
}

TEST(MemoryCache, ByteBoundEvictsUntilTheNewEntryFits) {
  constexpr auto kCost = MemoryCache::kEntryOverhead + 2;  // one-byte key, one-byte value
  auto cache = make(3 * kCost, 100);
  for (const char* key : {"a", "b", "c"}) cache.set_now(key, "x", 60s);
  EXPECT_EQ(cache.bytes(), 3 * kCost);
  cache.set_now("d", "xx", 60s);  // one byte more: two old entries must go
  EXPECT_EQ(cache.get_now("a"), std::nullopt);
  EXPECT_EQ(cache.get_now("b"), std::nullopt);
  EXPECT_EQ(cache.get_now("c"), "x");
  EXPECT_EQ(cache.get_now("d"), "xx");
  EXPECT_LE(cache.bytes(), 3 * kCost);
}

TEST(MemoryCache, ValueLargerThanTheBudgetIsNotStoredAndDropsTheOldOne) {
  auto cache = make(MemoryCache::kEntryOverhead + 10, 100);
  cache.set_now("k", "small", 60s);
  cache.set_now("k", std::string(100, 'x'), 60s);
  EXPECT_EQ(cache.get_now("k"), std::nullopt);
  EXPECT_EQ(cache.bytes(), 0u);
}

TEST(MemoryCache, ConcurrentUseKeepsTheBounds) {
  auto cache = make(1 << 20, 50);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 5000; ++i) {
        auto key = std::to_string((i * 7 + t) % 200);
        if (i % 3 == 0) cache.set_now(key, std::string(static_cast<std::size_t>(i % 50), 'v'), 60s);
        if (i % 3 == 1) (void)cache.get_now(key);
        if (i % 3 == 2 && i % 5 == 0) cache.del_now({key});
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_LE(cache.entries(), 50u);
  std::size_t expected = 0;
  for (int k = 0; k < 200; ++k) {
    auto key = std::to_string(k);
    if (auto value = cache.get_now(key))
      expected += key.size() + value->size() + MemoryCache::kEntryOverhead;
  }
  EXPECT_EQ(cache.bytes(), expected);
}

}  // namespace
