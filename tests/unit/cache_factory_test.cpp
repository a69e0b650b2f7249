// make_cache: every CACHE_URL scheme, the redis:// URL parts, refusals that never echo secrets.
#include <gtest/gtest.h>

#include "cache_test_support.hpp"
#include "cruddur/cache/factory.hpp"

namespace {

using cruddur::cache::CacheSettings;
using cruddur::cache::make_cache;
using cruddur::cache::parse_redis_url;
using cruddur::test::run;
using namespace std::chrono_literals;
namespace asio = boost::asio;

CacheSettings settings(std::string url) {
  CacheSettings out;
  out.url = std::move(url);
  return out;
}

std::string refusal(asio::io_context& io, const CacheSettings& settings) {
  try {
    make_cache(io.get_executor(), settings);
  } catch (const cruddur::Error& error) {
    EXPECT_EQ(error.code(), "invalid_config");
    return error.what();
  }
  ADD_FAILURE() << "accepted " << settings.url;
  return {};
}

TEST(CacheFactory, MemoryIsTheDefaultAndWorks) {
  asio::io_context io;
  auto cache = make_cache(io.get_executor(), CacheSettings{});
  EXPECT_EQ(cache->backend(), "memory");
  run(io, cache->set("k", "v", 60s));
  EXPECT_EQ(run(io, cache->get("k")), "v");
}

TEST(CacheFactory, MemoryBoundsFromTheQuery) {
  asio::io_context io;
  auto cache = make_cache(io.get_executor(), settings("memory://?max_entries=1&max_bytes=100000"));
  run(io, cache->set("a", "1", 60s));
  run(io, cache->set("b", "2", 60s));
  EXPECT_EQ(run(io, cache->get("a")), std::nullopt);
  EXPECT_EQ(run(io, cache->get("b")), "2");
}

TEST(CacheFactory, NoneAlwaysMisses) {
  asio::io_context io;
  auto cache = make_cache(io.get_executor(), settings("none://"));
  EXPECT_EQ(cache->backend(), "none");
  run(io, cache->set("k", "v", 60s));
  EXPECT_EQ(run(io, cache->get("k")), std::nullopt);
}

TEST(CacheFactory, RedisAndMomentoAreBuiltWithoutConnecting) {
  asio::io_context io;
  EXPECT_EQ(make_cache(io.get_executor(), settings("redis://127.0.0.1:1/2"))->backend(), "redis");
  auto momento = settings("momento://cruddur");
  momento.momento_api_key = "key";
  momento.momento_endpoint = "cell-1.example.com";
  EXPECT_EQ(make_cache(io.get_executor(), momento)->backend(), "momento");
}

TEST(CacheFactory, RedisUrlParts) {
  auto plain = parse_redis_url("redis://cache.local");
  EXPECT_EQ(plain.host, "cache.local");
  EXPECT_EQ(plain.port, 6379);
  EXPECT_EQ(plain.db, 0u);
  EXPECT_FALSE(plain.password);
  auto full = parse_redis_url("redis://app:p%40ss@10.0.0.5:6380/3");
  EXPECT_EQ(full.host, "10.0.0.5");
  EXPECT_EQ(full.port, 6380);
  EXPECT_EQ(full.db, 3u);
  EXPECT_EQ(full.user, "app");
  EXPECT_EQ(full.password, "p@ss");
  auto password_only = parse_redis_url("redis://:secret@h:1/");
  EXPECT_FALSE(password_only.user);
  EXPECT_EQ(password_only.password, "secret");
}

TEST(CacheFactory, RefusesBadUrlsWithoutEchoingSecrets) {
  asio::io_context io;
  for (const char* url :
       {"memcached://h", "memory", "memory://?max_bytes=lots", "memory://?colour=red", "none://x",
        "redis://", "redis://:topsecret@h:0/1", "redis://:topsecret@h:6379/db", "momento://",
        "momento://a/b", "redis://:topsecret%zz@h:6379/0", "redis://:topsecret%FF@h:6379/0"}) {
    auto message = refusal(io, settings(url));
    EXPECT_EQ(message.find("topsecret"), std::string::npos) << message;
  }
}

TEST(CacheFactory, MomentoNeedsKeyAndEndpoint) {
  asio::io_context io;
  auto momento = settings("momento://cruddur");
  EXPECT_NE(refusal(io, momento).find("MOMENTO_API_KEY"), std::string::npos);
  momento.momento_api_key = "topsecret-token";
  auto message = refusal(io, momento);
  EXPECT_NE(message.find("MOMENTO_ENDPOINT"), std::string::npos);
  EXPECT_EQ(message.find("topsecret"), std::string::npos);
}

TEST(CacheFactory, SettingsComeFromTheConfiguration) {
  auto config = cruddur::core::load_config(
      cruddur::core::map_env({{"CACHE_URL", "momento://feeds"},
                              {"MOMENTO_AUTH_TOKEN", "old-name-token"},
                              {"MOMENTO_ENDPOINT", "cell-1.example.com"}}));
  auto from_config = cruddur::cache::cache_settings(config);
  EXPECT_EQ(from_config.url, "momento://feeds");
  EXPECT_EQ(from_config.momento_api_key, "old-name-token");
  EXPECT_EQ(from_config.momento_endpoint, "cell-1.example.com");
  asio::io_context io;
  EXPECT_EQ(make_cache(io.get_executor(), from_config)->backend(), "momento");
  auto defaults =
      cruddur::cache::cache_settings(cruddur::core::load_config(cruddur::core::map_env({})));
  EXPECT_EQ(make_cache(io.get_executor(), defaults)->backend(), "memory");
}

}  // namespace
