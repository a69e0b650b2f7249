// FeedCache: on or off as the cache backend says, never by the backend's name.
#include "cruddur/service/feed_cache.hpp"

#include <gtest/gtest.h>

#include "cache_test_support.hpp"
#include "cruddur/cache/cache_aside.hpp"
#include "cruddur/cache/factory.hpp"
#include "cruddur/cache/safe_cache.hpp"

namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace cache = cruddur::cache;

// How many times two reads of the home page ran their loader with CACHE_URL=`url`.
int loads_for_two_reads(const std::string& url) {
  asio::io_context io;
  cache::CacheSettings settings;
  settings.url = url;
  cache::SafeCache safe(cache::make_cache(io.get_executor(), settings));
  cache::CacheAside aside(safe);
  cruddur::service::FeedCache feeds(aside, nullptr, 60s);
  int loads = 0;
  cruddur::service::FeedCache::Loader load = [&loads]() -> asio::awaitable<std::string> {
    ++loads;
    co_return "[]";
  };
  for (int i = 0; i < 2; ++i) EXPECT_EQ(*cruddur::test::run(io, feeds.home(load)), "[]");
  return loads;
}

TEST(FeedCache, IsOffWhenTheBackendStoresNothing) {
  EXPECT_EQ(loads_for_two_reads("none://"), 2);
  EXPECT_EQ(loads_for_two_reads("memory://"), 1);
}

}  // namespace
