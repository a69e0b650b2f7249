// Integration tests: the pool survives a restart and an outage of the PostgreSQL server (these
// stop the shared test server, so they run serially).
#include "cruddur/db/errors.hpp"
#include "pg_fixture.hpp"

namespace cruddur::db::testing {
namespace {

TEST_F(PgTest, ServerRestartIsSurvived) {
  auto ctl = env("CRUDDUR_TEST_PG_CTL");
  ASSERT_TRUE(ctl.has_value()) << "CRUDDUR_TEST_PG_CTL is not set: run the integration tests "
                                  "through scripts/test";
  auto& pool = make_pool(options(4));
  ASSERT_TRUE(run(pool.query_json_object(id("users/short"), {"londo"})).has_value());
  ASSERT_EQ(settled(pool).idle, 4U);

  ASSERT_EQ(std::system(("'" + *ctl + "' restart >/dev/null").c_str()), 0);

  int unavailable = 0;
  bool recovered = false;
  for (int attempt = 0; attempt < 400 && !recovered; ++attempt) {
    try {
      recovered = run(pool.query_json_object(id("users/short"), {"londo"})).has_value();
    } catch (const ConnectionError&) {
      ++unavailable;  // fast failure while the pool reconnects
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  EXPECT_TRUE(recovered) << "no successful query after the restart";
  auto stats = settled(pool);
  EXPECT_EQ(stats.idle, 4U);
  EXPECT_EQ(stats.busy, 0U);
  EXPECT_GE(stats.reconnects, 4U);
  EXPECT_GE(stats.discards[static_cast<std::size_t>(DiscardReason::broken)], 4U);
}

TEST_F(PgTest, WhileTheServerIsDownRequestsFailFastThenRecover) {
  auto ctl = env("CRUDDUR_TEST_PG_CTL");
  ASSERT_TRUE(ctl.has_value()) << "CRUDDUR_TEST_PG_CTL is not set: run the integration tests "
                                  "through scripts/test";
  auto options = this->options(4);
  options.acquire_timeout = std::chrono::minutes(10);  // a PoolTimeout would mean "not fast"
  auto& pool = make_pool(options);
  ASSERT_TRUE(run(pool.query_json_object(id("users/short"), {"londo"})).has_value());

  ASSERT_EQ(std::system(("'" + *ctl + "' stop >/dev/null").c_str()), 0);
  // Starts the server again if an assertion below returns early.
  struct Restart {
    std::string ctl;
    bool stopped = true;
    ~Restart() {
      if (stopped) (void)std::system(("'" + ctl + "' start >/dev/null").c_str());
    }
  } restart{*ctl};
  for (int i = 0; i < 3; ++i) {
    EXPECT_THROW(run(pool.query_json_object(id("users/short"), {"londo"})), ConnectionError);
  }
  EXPECT_THROW(run(pool.begin()), ConnectionError);
  EXPECT_GE(pool.stats().connect_failures, 1U);
  EXPECT_EQ(pool.stats().acquire_timeouts, 0U);

  ASSERT_EQ(std::system(("'" + *ctl + "' start >/dev/null").c_str()), 0);
  restart.stopped = false;
  bool recovered = false;
  for (int attempt = 0; attempt < 400 && !recovered; ++attempt) {
    try {
      recovered = run(pool.query_json_object(id("users/short"), {"londo"})).has_value();
    } catch (const ConnectionError&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  EXPECT_TRUE(recovered) << "no successful query after the server came back";
  auto stats = settled(pool);
  EXPECT_EQ(stats.idle, 4U);
  EXPECT_EQ(stats.busy, 0U);
  EXPECT_EQ(stats.waiting, 0U);
}

}  // namespace
}  // namespace cruddur::db::testing
