// SafeCache: a failing or hanging backend becomes a miss within the budget; invalidation
// failures are thrown; everything is counted.
#include "cruddur/cache/safe_cache.hpp"

#include <gtest/gtest.h>

#include "cache_test_support.hpp"

namespace {

using cruddur::cache::CacheError;
using cruddur::cache::SafeCache;
using cruddur::cache::SafeCacheOptions;
using cruddur::test::run;
using cruddur::test::ScriptedBackend;
using Mode = ScriptedBackend::Mode;
using namespace std::chrono_literals;
namespace asio = boost::asio;

class SafeCacheTest : public ::testing::Test {
 protected:
  SafeCacheTest() : backend_(std::make_shared<ScriptedBackend>()), safe_(backend_, options()) {}
  static SafeCacheOptions options() {
    SafeCacheOptions options;
    options.budget = 500ms;  // generous: success paths must not time out on a loaded machine
    options.invalidation_budget = 800ms;
    return options;
  }

  asio::io_context io_;
  std::shared_ptr<ScriptedBackend> backend_;
  SafeCache safe_;
};

TEST_F(SafeCacheTest, HitsAndMissesPassThroughAndAreCounted) {
  run(io_, safe_.set("k", "v", 60s));
  EXPECT_EQ(run(io_, safe_.get("k")), "v");
  EXPECT_EQ(run(io_, safe_.get("absent")), std::nullopt);
  auto stats = safe_.stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.sets, 1u);
  EXPECT_EQ(stats.errors + stats.timeouts + stats.set_failures, 0u);
  EXPECT_EQ(safe_.backend(), "scripted");
}

TEST_F(SafeCacheTest, FailingBackendIsAMiss) {
  backend_->store.set_now("k", "v", 60s);
  backend_->mode = Mode::fail;
  EXPECT_EQ(run(io_, safe_.get("k")), std::nullopt);
  EXPECT_EQ(safe_.stats().errors, 1u);
  EXPECT_EQ(safe_.stats().hits, 0u);
}

TEST_F(SafeCacheTest, HangingBackendIsAMissAtTheBudget) {
  backend_->store.set_now("k", "v", 60s);
  backend_->mode = Mode::hang;
  EXPECT_EQ(run(io_, safe_.get("k")), std::nullopt);
  EXPECT_EQ(safe_.stats().timeouts, 1u);
  EXPECT_EQ(backend_->calls, 1);
}

TEST_F(SafeCacheTest, FailingAndHangingSetsAreIgnoredButCounted) {
  backend_->mode = Mode::fail;
  run(io_, safe_.set("k", "v", 60s));
  backend_->mode = Mode::hang;
  run(io_, safe_.set("k", "v", 60s));
  auto stats = safe_.stats();
  EXPECT_EQ(stats.sets, 2u);
  EXPECT_EQ(stats.set_failures, 2u);
  EXPECT_EQ(stats.errors, 1u);
  EXPECT_EQ(stats.timeouts, 1u);
}

TEST_F(SafeCacheTest, InvalidationFailuresAreThrown) {
  backend_->mode = Mode::fail;
  try {
    run(io_, safe_.del({"k"}));
    FAIL() << "del did not throw";
  } catch (const CacheError& error) {
    EXPECT_EQ(error.code(), "cache_invalidation_failed");
  }
  backend_->mode = Mode::hang;
  EXPECT_THROW(run(io_, safe_.del({"k"})), CacheError);
  EXPECT_EQ(safe_.stats().invalidation_failures, 2u);
}

TEST_F(SafeCacheTest, SuccessfulInvalidationRemovesTheKeys) {
  backend_->store.set_now("a", "1", 60s);
  backend_->store.set_now("b", "2", 60s);
  run(io_, safe_.del({"a", "b"}));
  EXPECT_EQ(backend_->store.entries(), 0u);
  EXPECT_EQ(safe_.stats().invalidations, 1u);
}

TEST(SafeCacheInProcess, MemoryBackendIsCalledDirectlyAndCounted) {
  asio::io_context io;
  SafeCache safe(std::make_shared<cruddur::cache::MemoryCache>());
  run(io, safe.set("k", "v", 60s));
  EXPECT_EQ(run(io, safe.get("k")), "v");
  run(io, safe.del({"k"}));
  EXPECT_EQ(run(io, safe.get("k")), std::nullopt);
  auto stats = safe.stats();
  EXPECT_EQ(stats.hits, 1u);
  EXPECT_EQ(stats.misses, 1u);
  EXPECT_EQ(stats.sets, 1u);
  EXPECT_EQ(stats.invalidations, 1u);
}

}  // namespace
