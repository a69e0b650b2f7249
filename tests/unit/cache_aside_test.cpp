// CacheAside: single-flight loads, loader errors, invalidation racing a load.
#include "cruddur/cache/cache_aside.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "cache_test_support.hpp"
#include "cruddur/cache/memory_cache.hpp"

namespace {

using cruddur::cache::CacheAside;
using cruddur::cache::MemoryCache;
using cruddur::test::run;
using namespace std::chrono_literals;
namespace asio = boost::asio;

// Suspends until `condition` holds, polling on a short timer (no timing is asserted).
asio::awaitable<void> wait_until(std::function<bool()> condition) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!condition()) {
    timer.expires_after(1ms);
    co_await timer.async_wait(asio::use_awaitable);
  }
}

TEST(CacheAside, ConcurrentMissesRunTheLoaderOnce) {
  constexpr int kCallers = 50;
  MemoryCache cache;
  CacheAside aside(cache);
  asio::io_context io;
  std::atomic<int> loads{0}, started{0}, correct{0};
  auto loader = [&]() -> asio::awaitable<std::string> {
    ++loads;
    co_await wait_until([&] { return started.load() == kCallers; });
    co_return "[\"feed\"]";
  };
  for (int i = 0; i < kCallers; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          ++started;
          auto value = co_await aside.get_or_load("home", 60s, loader);
          if (value && *value == "[\"feed\"]") ++correct;
        },
        asio::detached);
  }
  std::thread other([&] { io.run(); });
  io.run();
  other.join();
  EXPECT_EQ(loads.load(), 1);
  EXPECT_EQ(correct.load(), kCallers);
  EXPECT_EQ(cache.get_now("home"), "[\"feed\"]");
  EXPECT_EQ(aside.loads_in_flight(), 0u);
  EXPECT_EQ(*run(io, aside.get_or_load("home", 60s, loader)), "[\"feed\"]");
  EXPECT_EQ(loads.load(), 1);
}

TEST(CacheAside, LoaderErrorReachesEveryWaiterAndNothingIsCached) {
  constexpr int kCallers = 10;
  MemoryCache cache;
  CacheAside aside(cache);
  asio::io_context io;
  std::atomic<int> loads{0}, started{0}, failed{0};
  auto loader = [&]() -> asio::awaitable<std::string> {
    ++loads;
    co_await wait_until([&] { return started.load() == kCallers; });
    throw std::runtime_error("database down");
  };
  for (int i = 0; i < kCallers; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          ++started;
          try {
            co_await aside.get_or_load("home", 60s, loader);
          } catch (const std::runtime_error&) {
            ++failed;
          }
        },
        asio::detached);
  }
  io.run();
  EXPECT_EQ(loads.load(), 1);
  EXPECT_EQ(failed.load(), kCallers);
  EXPECT_EQ(cache.entries(), 0u);
}

TEST(CacheAside, LoadOverlappingAnInvalidationIsReturnedButNotCached) {
  MemoryCache cache;
  CacheAside aside(cache);
  asio::io_context io;
  bool invalidated = false;
  int loads = 0;
  auto stale_loader = [&]() -> asio::awaitable<std::string> {
    ++loads;
    co_await wait_until([&] { return invalidated; });
    co_return "old";
  };
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        EXPECT_EQ(*co_await aside.get_or_load("home", 60s, stale_loader), "old");
      },
      asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        std::vector<std::string> keys(1, "home");  // no braced list in a coroutine (g++ 12)
        co_await aside.invalidate(std::move(keys));
        invalidated = true;
      },
      asio::detached);
  io.run();
  EXPECT_EQ(cache.get_now("home"), std::nullopt);
  auto fresh = [&]() -> asio::awaitable<std::string> {
    ++loads;
    co_return "new";
  };
  EXPECT_EQ(*run(io, aside.get_or_load("home", 60s, fresh)), "new");
  EXPECT_EQ(loads, 2);
  EXPECT_EQ(cache.get_now("home"), "new");
}

TEST(CacheAside, InvalidateDeletesTheKeys) {
  MemoryCache cache;
  CacheAside aside(cache);
  asio::io_context io;
  cache.set_now("a", "1", 60s);
  cache.set_now("b", "2", 60s);
  run(io, aside.invalidate({"a", "b"}));
  EXPECT_EQ(cache.entries(), 0u);
}

TEST(CacheAside, InvalidateAllEmptiesTheProcessAndOutdatesLoadsInFlight) {
  MemoryCache cache;
  CacheAside aside(cache);
  asio::io_context io;
  cache.set_now("a", "1", 60s);
  cache.set_now("b", "2", 60s);
  bool cleared = false;
  auto stale_loader = [&]() -> asio::awaitable<std::string> {
    co_await wait_until([&] { return cleared; });
    co_return "old";
  };
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        EXPECT_EQ(*co_await aside.get_or_load("home", 60s, stale_loader), "old");
      },
      asio::detached);
  asio::post(io, [&] {
    aside.invalidate_all();
    cleared = true;
  });
  io.run();
  EXPECT_EQ(cache.entries(), 0u);  // a and b gone, the overlapping load not stored
}

// Item 3 of issue 14: however a load ends (here the cache's set throws, as a raw backend may),
// its flight leaves the map. A finished flight left there would hand its value to every later
// caller of the key, for ever.
TEST(CacheAside, AFailedCacheSetLeavesNoFlightBehind) {
  cruddur::test::ScriptedBackend backend;
  CacheAside aside(backend);
  asio::io_context io;
  int loads = 0;
  auto loader = [&]() -> asio::awaitable<std::string> {
    ++loads;
    backend.mode = cruddur::test::ScriptedBackend::Mode::fail;  // the set after this load throws
    co_return "load " + std::to_string(loads);
  };
  EXPECT_THROW(run(io, aside.get_or_load("home", 60s, loader)), cruddur::cache::CacheError);
  EXPECT_EQ(aside.loads_in_flight(), 0u);
  backend.mode = cruddur::test::ScriptedBackend::Mode::answer;
  auto again = [&]() -> asio::awaitable<std::string> {
    ++loads;
    co_return "load " + std::to_string(loads);
  };
  EXPECT_EQ(*run(io, aside.get_or_load("home", 60s, again)), "load 2");
  EXPECT_EQ(loads, 2);
}

}  // namespace
