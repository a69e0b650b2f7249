// db::Listener and db::ReadRouter against the real PostgreSQL of scripts/test: every write's own
// NOTIFY is heard with the payload its statement returns; a killed LISTEN session comes back; reads
// routed to a "replica" (a second database on the same cluster, so its WAL position is the
// primary's) fall back to the primary when it has no row or fails.
#include "cruddur/db/listener.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>

#include "cruddur/db/errors.hpp"
#include "cruddur/db/read_router.hpp"
#include "pg_fixture.hpp"

namespace cruddur::db::testing {
namespace {

using namespace std::chrono_literals;

// Polls `condition` (false after 30 s).
bool eventually(const std::function<bool()>& condition) {
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       std::chrono::steady_clock::now() < deadline;) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

// What a listener saw, from its handlers (called on its strand).
struct Heard {
  std::mutex mutex;
  std::vector<std::string> payloads;
  std::atomic<int> listening{0};
  std::atomic<int> lost{0};

  Listener::Handlers handlers() {
    return {[this](std::string payload) {
              std::lock_guard lock(mutex);
              payloads.push_back(std::move(payload));
            },
            [this] { ++listening; }, [this] { ++lost; }};
  }
  std::vector<std::string> snapshot() {
    std::lock_guard lock(mutex);
    return payloads;
  }
};

class ListenerTest : public PgTest {
 protected:
  ListenerOptions listen_options() const {
    ListenerOptions options;
    options.url = url_;
    options.channel = "cruddur_writes";
    options.backoff_min = 20ms;
    options.backoff_max = 200ms;
    return options;
  }
};

TEST_F(ListenerTest, HearsWhatEveryWriteNotifiesOnCommit) {
  Heard heard;
  Listener listener(io_.get_executor(), listen_options(), heard.handlers());
  listener.start();
  ASSERT_TRUE(eventually([&] { return heard.listening == 1; }));
  auto& pool = make_pool(options(2));
  auto created =
      run(pool.execute_returning(id("activities/create"), {"MOCK-altbrown", "parent", "1 day"}));
  auto parent = nlohmann::json::parse(created.rows.at(0).at(0).value()).at("uuid");
  auto replied = run(pool.execute_returning(id("activities/reply"),
                                            {"MOCK-londo", parent.get<std::string>(), "child"}));
  auto updated =
      run(pool.execute_returning(id("users/update_profile"), {"MOCK-londo", "bio", "Londo"}));
  // Writes that change nothing notify nothing.
  EXPECT_TRUE(run(pool.execute_returning(id("activities/create"), {"MOCK-nobody", "x", "1 day"}))
                  .rows.empty());
  EXPECT_TRUE(run(pool.execute_returning(id("users/update_profile"), {"MOCK-nobody", "b", "N"}))
                  .rows.empty());
  run(pool.execute(id("ops/notify"), {R"({"probe":"last"})"}));
  ASSERT_TRUE(eventually([&] { return heard.snapshot().size() == 4; })) << heard.snapshot().size();
  EXPECT_EQ(heard.snapshot(),
            (std::vector<std::string>{created.rows[0][1].value(), replied.rows[0][1].value(),
                                      updated.rows[0][1].value(), R"({"probe":"last"})"}));
  EXPECT_EQ(listener.stats().notifications, 4u);
  EXPECT_TRUE(listener.stats().listening);
  EXPECT_EQ(heard.lost, 0);
}

TEST_F(ListenerTest, ComesBackAfterItsSessionIsKilled) {
  Heard heard;
  Listener listener(io_.get_executor(), listen_options(), heard.handlers());
  listener.start();
  ASSERT_TRUE(eventually([&] { return heard.listening == 1; }));
  auto admin = Connection::open(admin_url_);
  auto killed = admin.exec_params(
      "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
      "WHERE application_name = 'cruddur-listen' AND datname = $1",
      {database_});
  EXPECT_EQ(std::string(killed.one_field()), "1");
  ASSERT_TRUE(eventually([&] { return heard.lost == 1 && heard.listening == 2; }));
  EXPECT_EQ(listener.stats().losses, 1u);
  EXPECT_EQ(listener.stats().established, 2u);
  auto& pool = make_pool(options(1));
  run(pool.execute(id("ops/notify"), {"after"}));
  EXPECT_TRUE(eventually([&] { return heard.snapshot() == std::vector<std::string>{"after"}; }));
}

TEST_F(ListenerTest, AnUnreachableServerIsRetriedWithoutEndAndCloseStopsIt) {
  Heard heard;
  auto options = listen_options();
  options.url = "postgresql://postgres@127.0.0.1:1/none?connect_timeout=2";
  Listener listener(io_.get_executor(), options, heard.handlers());
  listener.start();
  ASSERT_TRUE(eventually([&] { return listener.stats().connect_failures >= 3; }));
  EXPECT_EQ(heard.listening, 0);
  listener.close();  // TearDown then finds nothing left running on the io_context
}

TEST(ListenerOptionsCheck, TheChannelMustBeAPlainIdentifier) {
  asio::io_context io;
  for (const char* channel : {"", "Upper", "with space", "x;drop", "1abc", "a\"b"}) {
    EXPECT_THROW(Listener(io.get_executor(), {"postgresql://x/y", channel}, {}), Error) << channel;
  }
}

class ReadRouterTest : public PgTest {
 protected:
  void SetUp() override {
    PgTest::SetUp();
    // The "replica": a second database with the same schema and seed on the same cluster.
    replica_database_ = database_ + "_replica";
    auto admin = Connection::open(admin_url_);
    admin.exec("CREATE DATABASE " + admin.quote_identifier(replica_database_));
    replica_url_ = ConnInfo(admin_url_).with_database(replica_database_);
    std::swap(url_, replica_url_);
    load_schema();
    std::swap(url_, replica_url_);
  }
  void TearDown() override {
    router_.reset();
    PgTest::TearDown();
    auto admin = Connection::open(admin_url_);
    admin.exec("DROP DATABASE IF EXISTS " + admin.quote_identifier(replica_database_)
               + " WITH (FORCE)");
  }

  ReadRouter& make_router(Pool& primary, std::vector<std::string> replicas) {
    ReadRouterOptions options;
    options.replica_urls = std::move(replicas);
    options.max_lag = 200ms;
    router_.emplace(io_.get_executor(), *catalog_, primary, this->options(2), options);
    router_->start();
    return *router_;
  }

  std::string replica_database_;
  std::string replica_url_;
  std::optional<ReadRouter> router_;
};

TEST_F(ReadRouterTest, ReadsGoToAReplicaAndFallBackWhenItHasNoRowOrFails) {
  auto& primary = make_pool(options(2));
  auto& router = make_router(primary, {replica_url_});
  auto search = [&](std::vector<std::string> keys) {
    return run(
        router.query_json_array(std::move(keys), id("activities/search"), {"%imported%", "10"}));
  };
  // Blind until told that writes are heard.
  EXPECT_NE(search({}), "[]");
  EXPECT_EQ(router.stats().routed[static_cast<std::size_t>(RouteReason::blind)], 1u);
  router.hearing();
  ASSERT_TRUE(eventually([&] {
    (void)search({});
    return router.stats().routed[static_cast<std::size_t>(RouteReason::replica)] > 0;
  }));
  EXPECT_EQ(router.stats().usable, 1u);
  EXPECT_EQ(router.stats().max_lag_ms, 0.0) << "an idle primary: no lag";

  // A row only the primary has (the replica has not "replayed" it): asked again of the primary.
  auto admin = Connection::open(url_);
  admin.exec(
      "INSERT INTO users (display_name, handle, email, cognito_user_id) "
      "VALUES ('New', 'newcomer', 'new@example.com', 'MOCK-newcomer')");
  auto found = run(router.query_json_object({}, id("users/short"), {"newcomer"}));
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(nlohmann::json::parse(*found).at("handle"), "newcomer");
  EXPECT_EQ(router.stats().missing_retried, 1u);

  // Read-your-writes: a key written now is read from the primary until a later sample.
  router.written({"user:me"});
  auto before = router.stats().routed[static_cast<std::size_t>(RouteReason::fresh)];
  (void)search({"user:me"});
  EXPECT_EQ(router.stats().routed[static_cast<std::size_t>(RouteReason::fresh)], before + 1);
  ASSERT_TRUE(eventually([&] {
    auto replica_reads = router.stats().routed[static_cast<std::size_t>(RouteReason::replica)];
    (void)search({"user:me"});
    return router.stats().routed[static_cast<std::size_t>(RouteReason::replica)] > replica_reads;
  }));

  // The replica fails the statement: the primary answers, the replica is set aside.
  Connection::open(replica_url_).exec("DROP TABLE activities CASCADE");
  EXPECT_NE(search({}), "[]");
  EXPECT_GE(router.stats().fallbacks, 1u);
  // Bad input is not the replica's fault: it fails the same on the primary, and is not retried.
  EXPECT_THROW(run(router.query_json_array({}, id("activities/search"), {"%x%", "lots"})),
               DataError);
}

TEST_F(ReadRouterTest, AnUnreachableReplicaIsNeverUsedAndNeverAnError) {
  auto& primary = make_pool(options(2));
  auto& router = make_router(primary, {"postgresql://postgres@127.0.0.1:1/none"});
  router.hearing();
  for (int i = 0; i < 20; ++i) {
    EXPECT_NE(run(router.query_json_array({}, id("activities/search"), {"%imported%", "10"})),
              "[]");
    std::this_thread::sleep_for(10ms);
  }
  auto stats = router.stats();
  EXPECT_EQ(stats.usable, 0u);
  EXPECT_EQ(stats.routed[static_cast<std::size_t>(RouteReason::replica)], 0u);
  EXPECT_GT(stats.routed[static_cast<std::size_t>(RouteReason::lagging)], 0u);
  EXPECT_GT(stats.sample_failures, 0u);
  EXPECT_EQ(stats.max_lag_ms, std::nullopt);
}

}  // namespace
}  // namespace cruddur::db::testing
