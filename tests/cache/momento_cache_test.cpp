// The Momento backend against fake_momento (an in-test fake of Momento's documented HTTP API):
// hit, miss, set with ttl_seconds in seconds, delete, key encoding, 401, 429, 5xx, slow answers.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/use_future.hpp>
#include <filesystem>

#include "cruddur/cache/factory.hpp"
#include "cruddur/cache/safe_cache.hpp"
#include "run_awaitable.hpp"
#include "fake_momento.hpp"

namespace {

using cruddur::cache::CacheError;
using cruddur::cache::CacheSettings;
using cruddur::cache::SafeCache;
using cruddur::cache::SafeCacheOptions;
using cruddur::test::FakeMomento;
namespace asio = boost::asio;
using namespace std::chrono_literals;

constexpr const char* kToken = "fake-momento-token-do-not-log";

template <class T>
T run(asio::io_context& io, asio::awaitable<T> work) {
  return cruddur::test::run_awaitable(io, std::move(work));
}

class MomentoCacheTest : public ::testing::Test {
 protected:
  MomentoCacheTest() : fake_(kToken) {}

  std::shared_ptr<cruddur::cache::Cache> make(const std::string& token = kToken,
                                              std::chrono::milliseconds timeout = 10s) {
    CacheSettings settings;
    settings.url = "momento://cruddur-feeds";
    settings.momento_api_key = token;
    settings.momento_endpoint = fake_.base_url();
    settings.operation_timeout = timeout;
    return cruddur::cache::make_cache(io_.get_executor(), settings);
  }

  std::string failure_code(asio::awaitable<void> call) {
    try {
      run(io_, std::move(call));
    } catch (const CacheError& error) {
      EXPECT_EQ(std::string(error.what()).find(kToken), std::string::npos) << error.what();
      return error.code();
    }
    return "no error";
  }

  FakeMomento fake_;
  asio::io_context io_;
};

TEST_F(MomentoCacheTest, MissSetHitDelete) {
  auto cache = make();
  EXPECT_EQ(cache->backend(), "momento");
  EXPECT_EQ(run(io_, cache->get("home")), std::nullopt);
  run(io_, cache->set("home", R"([{"uuid":"1"}])", 60s));
  EXPECT_EQ(fake_.stored("cruddur-feeds", "home"), R"([{"uuid":"1"}])");
  EXPECT_EQ(run(io_, cache->get("home")), R"([{"uuid":"1"}])");
  run(io_, cache->del({"home", "never-set"}));
  EXPECT_EQ(run(io_, cache->get("home")), std::nullopt);
}

TEST_F(MomentoCacheTest, TtlIsSentInSeconds) {
  auto cache = make();
  run(io_, cache->set("short", "v", 90s));
  EXPECT_EQ(fake_.ttl_of("cruddur-feeds", "short"), 90);
  run(io_, cache->set("day", "v", std::chrono::hours(24)));
  EXPECT_EQ(fake_.ttl_of("cruddur-feeds", "day"), 86'400);
}

TEST_F(MomentoCacheTest, KeysAreUrlEncoded) {
  auto cache = make();
  const std::string key = "activities/@andrew brown?x=1&y=é";
  run(io_, cache->set(key, "v", 60s));
  EXPECT_EQ(fake_.stored("cruddur-feeds", key), "v");
  EXPECT_EQ(run(io_, cache->get(key)), "v");
}

TEST_F(MomentoCacheTest, WrongTokenIsUnauthorized) {
  auto cache = make("not-the-token");
  try {
    run(io_, cache->get("home"));
    ADD_FAILURE() << "a wrong token was accepted";
  } catch (const CacheError& error) {
    EXPECT_EQ(error.code(), "cache_unauthorized");
    EXPECT_EQ(std::string(error.what()).find("not-the-token"), std::string::npos);
  }
}

TEST_F(MomentoCacheTest, StatusesMapToTypedErrors) {
  auto cache = make();
  fake_.force_status(429);
  EXPECT_EQ(failure_code(cache->set("k", "v", 60s)), "cache_throttled");
  fake_.force_status(500);
  EXPECT_EQ(failure_code(cache->del({"k"})), "cache_unavailable");
  fake_.force_status(503);
  EXPECT_EQ(failure_code(cache->set("k", "v", 60s)), "cache_unavailable");
  fake_.force_status(403);
  EXPECT_EQ(failure_code(cache->set("k", "v", 60s)), "cache_unauthorized");
  fake_.force_status(400);
  EXPECT_EQ(failure_code(cache->set("k", "v", 60s)), "cache_rejected");
  fake_.force_status(std::nullopt);
  run(io_, cache->set("k", "v", 60s));
  EXPECT_EQ(run(io_, cache->get("k")), "v");
}

TEST_F(MomentoCacheTest, ErrorsAndSlowAnswersAreMissesBehindSafeCache) {
  SafeCacheOptions options;
  options.budget = 1s;  // generous: the first set and get must succeed on a loaded machine
  options.invalidation_budget = 1s;
  SafeCache cache(make(kToken, 3s), options);
  run(io_, cache.set("home", "[]", 60s));
  EXPECT_EQ(run(io_, cache.get("home")), "[]");

  fake_.force_status(500);
  EXPECT_EQ(run(io_, cache.get("home")), std::nullopt);
  fake_.force_status(429);
  EXPECT_EQ(run(io_, cache.get("home")), std::nullopt);
  fake_.force_status(std::nullopt);

  fake_.delay(10s);
  EXPECT_EQ(run(io_, cache.get("home")), std::nullopt);
  EXPECT_THROW(run(io_, cache.del({"home"})), CacheError);  // slower than the invalidation budget
  auto stats = cache.stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.errors, 2u);
  EXPECT_GE(stats.timeouts, 1u);
  EXPECT_EQ(stats.invalidation_failures, 1u);
}

TEST_F(MomentoCacheTest, UnreachableEndpointIsUnavailable) {
  CacheSettings settings;
  settings.url = "momento://c";
  settings.momento_api_key = kToken;
  settings.momento_endpoint = "http://127.0.0.1:1";
  auto cache = cruddur::cache::make_cache(io_.get_executor(), settings);
  try {
    run(io_, cache->get("k"));
    ADD_FAILURE() << "no error from an unreachable endpoint";
  } catch (const CacheError& error) {
    EXPECT_EQ(error.code(), "cache_unavailable");
  }
}

TEST(MomentoCacheTls, HttpsEndpointWithATrustedCertificate) {
  char pattern[] = "/tmp/cruddur-momento-tls-XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  std::string dir = pattern;
  auto files = cruddur::test::make_self_signed_certificate(dir, "localhost");
  FakeMomento fake(kToken, files);
  asio::io_context io;
  CacheSettings settings;
  settings.url = "momento://cruddur-feeds";
  settings.momento_api_key = kToken;
  settings.momento_endpoint = fake.base_url();
  settings.extra_ca_file = files.certificate;
  auto cache = cruddur::cache::make_cache(io.get_executor(), settings);
  run(io, cache->set("home", "[]", 60s));
  EXPECT_EQ(run(io, cache->get("home")), "[]");

  settings.extra_ca_file.reset();  // the system store does not know the test's certificate
  auto untrusting = cruddur::cache::make_cache(io.get_executor(), settings);
  try {
    run(io, untrusting->get("home"));
    ADD_FAILURE() << "an untrusted certificate was accepted";
  } catch (const CacheError& error) {
    EXPECT_EQ(error.code(), "cache_unavailable");
    EXPECT_NE(std::string(error.what()).find("TLS"), std::string::npos) << error.what();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
