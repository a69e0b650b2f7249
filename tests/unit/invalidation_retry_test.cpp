// InvalidationRetry: failed shared deletes are retried until they work, given up once their TTL
// has passed, and stop on close. Conditions are awaited with a generous bound, never timed.
#include "cruddur/cache/invalidation_retry.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "cache_test_support.hpp"

namespace {

using cruddur::cache::InvalidationRetry;
using cruddur::test::ScriptedBackend;
using Mode = ScriptedBackend::Mode;
using namespace std::chrono_literals;
namespace asio = boost::asio;

// Runs `io` on this thread until `condition` holds (false after 30 s).
bool run_until(asio::io_context& io, const std::function<bool()>& condition) {
  auto deadline = std::chrono::steady_clock::now() + 30s;
  io.restart();
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.run_one_for(10ms);
    io.restart();
  }
  return true;
}

TEST(InvalidationRetry, FailedDeletesAreRetriedUntilTheyWork) {
  asio::io_context io;
  ScriptedBackend backend;
  backend.store.set_now("a", "1", 60s);
  backend.store.set_now("b", "2", 60s);
  backend.mode = Mode::fail;
  InvalidationRetry retry(io.get_executor(), backend, 60s);
  retry.add({"a", "b"});
  retry.add({"a"});  // the same key twice is one pending delete
  ASSERT_TRUE(run_until(io, [&] { return backend.calls >= 2; }));
  EXPECT_EQ(retry.stats().pending, 2u);
  EXPECT_EQ(backend.store.entries(), 2u);
  backend.mode = Mode::answer;
  ASSERT_TRUE(run_until(io, [&] { return retry.stats().pending == 0; }));
  EXPECT_EQ(retry.stats().retried, 2u);
  EXPECT_EQ(retry.stats().abandoned, 0u);
  EXPECT_EQ(backend.store.entries(), 0u);
  // Nothing pending: nothing keeps the io_context busy.
  io.restart();
  EXPECT_EQ(io.run_for(5s), 0u);
}

TEST(InvalidationRetry, GivesUpOnceTheTtlHasPassed) {
  asio::io_context io;
  ScriptedBackend backend;
  backend.mode = Mode::fail;
  InvalidationRetry retry(io.get_executor(), backend, 1s);
  retry.add({"k"});
  ASSERT_TRUE(run_until(io, [&] { return retry.stats().abandoned == 1; }));
  EXPECT_EQ(retry.stats().pending, 0u);
  EXPECT_EQ(retry.stats().retried, 0u);
  EXPECT_GE(backend.calls, 1);
}

TEST(InvalidationRetry, CloseStopsRetrying) {
  asio::io_context io;
  ScriptedBackend backend;
  backend.mode = Mode::fail;
  InvalidationRetry retry(io.get_executor(), backend, 60s);
  retry.add({"k"});
  ASSERT_TRUE(run_until(io, [&] { return backend.calls >= 1; }));
  retry.close();
  io.restart();
  io.run();  // returns: the retry loop ended
  EXPECT_EQ(retry.stats().pending, 0u);
}

}  // namespace
