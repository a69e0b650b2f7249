// The Redis backend against the real redis-server of CRUDDUR_TEST_REDIS_URL: values, TTL,
// databases, pipelining on one connection; and against a private redis-server: AUTH, and the
// server killed mid-test (calls become misses within the budget) and restarted (reconnects).
#include "redis/redis_cache.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/use_future.hpp>
#include <thread>

#include "cruddur/cache/cache_aside.hpp"
#include "cruddur/cache/factory.hpp"
#include "cruddur/cache/safe_cache.hpp"
#include "run_awaitable.hpp"
#include "own_redis.hpp"
#include "subprocess.hpp"

namespace {

using cruddur::cache::CacheError;
using cruddur::cache::CacheSettings;
using cruddur::cache::RedisCache;
using cruddur::cache::RedisOptions;
using cruddur::cache::RespValue;
using cruddur::cache::SafeCache;
using cruddur::cache::SafeCacheOptions;
namespace asio = boost::asio;
using namespace std::chrono_literals;

template <class T>
T run(asio::io_context& io, asio::awaitable<T> work) {
  return cruddur::test::run_awaitable(io, std::move(work));
}

// The shared server's URL with another database number.
std::string shared_url(unsigned db) {
  auto url = cruddur::test::required_env("CRUDDUR_TEST_REDIS_URL");
  auto slash = url.find('/', url.find("://") + 3);
  return url.substr(0, slash) + "/" + std::to_string(db);
}

std::string unique(const std::string& name) {
  return "cruddur-test:" + std::to_string(getpid()) + ":" + name;
}

std::shared_ptr<RedisCache> redis(asio::io_context& io, const std::string& url) {
  RedisOptions options;
  options.endpoint = cruddur::cache::parse_redis_url(url);
  options.operation_timeout = 5s;  // generous: nothing here is meant to time out
  return std::make_shared<RedisCache>(io.get_executor(), options);
}

std::vector<std::string> args(std::initializer_list<std::string> list) {
  return list;
}

TEST(RedisCache, SetGetDelRoundTripBinarySafe) {
  asio::io_context io;
  auto cache = redis(io, shared_url(0));
  auto key = unique("roundtrip");
  std::string value("{\"a\":1}\r\n\0tail", 14);
  EXPECT_EQ(run(io, cache->get(key)), std::nullopt);
  run(io, cache->set(key, value, 60s));
  EXPECT_EQ(run(io, cache->get(key)), value);
  run(io, cache->del({key, unique("absent")}));
  EXPECT_EQ(run(io, cache->get(key)), std::nullopt);
}

TEST(RedisCache, SetUsesTheTtlInSeconds) {
  asio::io_context io;
  auto cache = redis(io, shared_url(0));
  auto key = unique("ttl");
  run(io, cache->set(key, "v", 60s));
  auto ttl = run(io, cache->command(args({"TTL", key})));
  ASSERT_EQ(ttl.type, RespValue::Type::integer);
  EXPECT_GT(ttl.integer, 0);
  EXPECT_LE(ttl.integer, 60);
  run(io, cache->del({key}));
}

TEST(RedisCache, DatabasesAreSelectedFromTheUrl) {
  asio::io_context io;
  auto one = redis(io, shared_url(1));
  auto two = redis(io, shared_url(2));
  auto key = unique("db");
  run(io, one->set(key, "in-one", 60s));
  EXPECT_EQ(run(io, two->get(key)), std::nullopt);
  EXPECT_EQ(run(io, one->get(key)), "in-one");
  run(io, one->del({key}));
}

TEST(RedisCache, ConcurrentCommandsArePipelinedOnOneConnection) {
  asio::io_context io;
  auto cache = redis(io, shared_url(0));
  auto first_id = run(io, cache->command(args({"CLIENT", "ID"})));
  std::atomic<int> correct{0}, finished{0};
  constexpr int kCalls = 300;
  for (int i = 0; i < kCalls; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          auto key = unique("pipe" + std::to_string(i));
          co_await cache->set(key, std::to_string(i), 60s);
          if (co_await cache->get(key) == std::to_string(i)) ++correct;
          std::vector<std::string> keys(1, key);
          co_await cache->del(std::move(keys));
          // The connection's reader never runs out of work: stop the context when all are done.
          if (++finished == kCalls) io.stop();
        },
        asio::detached);
  }
  io.restart();
  std::thread other([&] { io.run(); });
  io.run();
  other.join();
  EXPECT_EQ(correct.load(), kCalls);
  auto last_id = run(io, cache->command(args({"CLIENT", "ID"})));
  EXPECT_EQ(first_id.integer, last_id.integer);
}

TEST(RedisCache, ErrorRepliesAreRejections) {
  asio::io_context io;
  auto cache = redis(io, shared_url(0));
  auto key = unique("list");
  run(io, cache->command(args({"RPUSH", key, "x"})));
  try {
    run(io, cache->get(key));  // GET on a list: WRONGTYPE
    ADD_FAILURE() << "GET on a list did not throw";
  } catch (const CacheError& error) {
    EXPECT_EQ(error.code(), "cache_rejected");
  }
  run(io, cache->del({key}));
  EXPECT_EQ(run(io, cache->get(unique("after"))), std::nullopt);  // the connection still works
}

TEST(RedisCache, MakeCacheBuildsItFromTheUrl) {
  asio::io_context io;
  CacheSettings settings;
  settings.url = shared_url(0);
  auto cache = cruddur::cache::make_cache(io.get_executor(), settings);
  auto key = unique("factory");
  run(io, cache->set(key, "v", 60s));
  EXPECT_EQ(run(io, cache->get(key)), "v");
  run(io, cache->del({key}));
}

// Two processes' worth of caches (separate connections, separate single-flight tables) sharing
// the server: an invalidation by one is seen by the other's next read at once.
TEST(RedisCache, InvalidationByOneProcessIsSeenByAnother) {
  asio::io_context io;
  SafeCacheOptions generous;  // nothing here may time out on a loaded machine
  generous.budget = 5s;
  generous.invalidation_budget = 5s;
  SafeCache shared_a(redis(io, shared_url(0)), generous);
  SafeCache shared_b(redis(io, shared_url(0)), generous);
  cruddur::cache::CacheAside process_a(shared_a);
  cruddur::cache::CacheAside process_b(shared_b);
  auto key = unique("home");
  std::string database = "[\"seed\"]";
  int loads = 0;
  auto loader = [&]() -> asio::awaitable<std::string> {
    ++loads;
    co_return database;
  };
  EXPECT_EQ(*run(io, process_a.get_or_load(key, 60s, loader)), "[\"seed\"]");
  EXPECT_EQ(*run(io, process_b.get_or_load(key, 60s, loader)), "[\"seed\"]");  // B: a hit
  EXPECT_EQ(loads, 1);

  database = "[\"new post\",\"seed\"]";  // B handles a write: commit, then invalidate, then ack
  run(io, process_b.invalidate({key}));
  EXPECT_EQ(*run(io, process_a.get_or_load(key, 60s, loader)), "[\"new post\",\"seed\"]");
  EXPECT_EQ(loads, 2);
  run(io, process_a.invalidate({key}));
}

// Below: a private server, killed and restarted by the test.

std::string own_url(const cruddur::test::OwnRedis& server, const std::string& password) {
  return "redis://:" + password + "@127.0.0.1:" + std::to_string(server.port()) + "/3";
}

TEST(RedisCacheOwnServer, WrongPasswordIsUnauthorizedAndNotEchoed) {
  cruddur::test::OwnRedis server("right-password");
  asio::io_context io;
  auto cache = redis(io, own_url(server, "wrong-password"));
  try {
    run(io, cache->get("k"));
    ADD_FAILURE() << "a wrong password was accepted";
  } catch (const CacheError& error) {
    EXPECT_EQ(error.code(), "cache_unauthorized");
    EXPECT_EQ(std::string(error.what()).find("wrong-password"), std::string::npos);
  }
  auto good = redis(io, own_url(server, "right-password"));
  run(io, good->set("k", "v", 60s));
  EXPECT_EQ(run(io, good->get("k")), "v");
}

TEST(RedisCacheOwnServer, KilledServerMeansMissesAndARestartReconnects) {
  cruddur::test::OwnRedis server("pw");
  asio::io_context io;
  RedisOptions options;
  options.endpoint = cruddur::cache::parse_redis_url(own_url(server, "pw"));
  options.operation_timeout = 2s;
  options.max_backoff = 200ms;
  SafeCacheOptions budget;  // generous: with the server gone, calls fail at once anyway
  budget.budget = 1s;
  budget.invalidation_budget = 2s;
  SafeCache cache(std::make_shared<RedisCache>(io.get_executor(), options), budget);

  run(io, cache.set("feed", "[1]", 60s));
  EXPECT_EQ(run(io, cache.get("feed")), "[1]");

  server.kill();
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(run(io, cache.get("feed")), std::nullopt);
    run(io, cache.set("feed", "[2]", 60s));
  }
  EXPECT_THROW(run(io, cache.del({"feed"})), CacheError);
  auto down = cache.stats();
  EXPECT_EQ(down.hits, 1u);
  EXPECT_GE(down.errors + down.timeouts, 41u);

  server.start();  // empty again: nothing was saved
  std::optional<std::string> value;
  for (int attempt = 0; attempt < 200 && !value; ++attempt) {
    run(io, cache.set("feed", "[3]", 60s));
    value = run(io, cache.get("feed"));
    if (!value) std::this_thread::sleep_for(25ms);
  }
  EXPECT_EQ(value, "[3]");
  run(io, cache.del({"feed"}));
  EXPECT_EQ(run(io, cache.get("feed")), std::nullopt);
}

TEST(RedisCacheOwnServer, HungServerMeansMissesWithinTheBudgetThenRecovers) {
  cruddur::test::OwnRedis server("pw");
  asio::io_context io;
  RedisOptions options;
  options.endpoint = cruddur::cache::parse_redis_url(own_url(server, "pw"));
  options.operation_timeout = 10s;
  options.max_backoff = 200ms;
  SafeCacheOptions budget;
  budget.budget = 1s;  // a stopped server never answers: every get ends at the budget
  SafeCache cache(std::make_shared<RedisCache>(io.get_executor(), options), budget);
  run(io, cache.set("feed", "[1]", 60s));

  server.pause();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(run(io, cache.get("feed")), std::nullopt);
  EXPECT_GE(cache.stats().timeouts, 1u);

  server.resume();
  std::optional<std::string> value;
  for (int attempt = 0; attempt < 200 && !value; ++attempt) {
    value = run(io, cache.get("feed"));
    if (!value) std::this_thread::sleep_for(25ms);
  }
  EXPECT_EQ(value, "[1]");  // the server kept its data; the client reconnected
}

}  // namespace
