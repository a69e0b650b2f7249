// `cruddur metrics sync` end to end: messages posted through the API (the real `cruddur serve`,
// DynamoDB on moto_server with its stream, PostgreSQL), the sync run as the real binary — once,
// twice, killed between its DynamoDB read and its commit, killed after a commit, two at once,
// following until SIGTERM — and the numbers read back through GET /api/admin/metrics behind
// Basic auth.
#include "metrics_api_fixture.hpp"

namespace cruddur::test {
namespace {

using MetricsSyncTest = MetricsApiTest;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

TEST_F(MetricsSyncTest, MessagesPostedThroughTheApiAreCountedAndASecondSyncChangesNothing) {
  converse(andrew_, "bayko", 3);
  converse(londo_, "andrewbrown", 2);
  converse(bayko_, "londo", 1);
  auto first = sync();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("6 message(s) counted (0 counted before), 3 conversation(s)"),
            std::string::npos)
      << first.err;
  auto counted = dashboard();
  EXPECT_EQ(today(), (std::pair<long, long>{6, 3}));
  // PostgreSQL: the seed's 4 users and the moto user, the seed's 2 activities, all made today.
  EXPECT_EQ(counted.at("totals"), json::parse(R"({"users":5,"activities":2})"));
  EXPECT_EQ(counted.at("days").back().at("new_users"), 5);

  auto second = sync();
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find(" 0 message(s) counted"), std::string::npos) << second.err;
  EXPECT_EQ(dashboard(), counted);

  converse(bayko_, "andrewbrown", 2);  // continues their conversation: no new one
  ASSERT_EQ(sync().exit_code, 0);
  EXPECT_EQ(today(), (std::pair<long, long>{8, 3}));

  // `cruddur metrics show` prints the same numbers.
  auto shown = run_cruddur({"metrics", "show"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  auto last_day = counted.at("days").back().at("day").get<std::string>();
  std::istringstream lines(shown.out);
  std::vector<std::string> row;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(last_day, 0) != 0) continue;
    std::istringstream words(line);
    for (std::string word; words >> word;) row.push_back(word);
  }
  EXPECT_EQ(row, (std::vector<std::string>{last_day, "8", "3", "5", "2"})) << shown.out;
  EXPECT_NE(shown.out.find("users: 5\nactivities: 2\n"), std::string::npos) << shown.out;
}

TEST_F(MetricsSyncTest, TheAdminRoutesNeedTheAdminCredentials) {
  for (const auto& path : {"/api/admin/metrics", "/admin/metrics"}) {
    auto anonymous = http().get(path);
    EXPECT_EQ(anonymous.status, 401u) << path;
    EXPECT_EQ(anonymous.header("WWW-Authenticate"),
              R"(Basic realm="Cruddur admin", charset="UTF-8")");
    // base64("metrics-admin:wrong")
    auto wrong =
        http().request("GET", path, {{"Authorization", "Basic bWV0cmljcy1hZG1pbjp3cm9uZw=="}});
    EXPECT_EQ(wrong.status, 401u) << path;
    auto bearer = http().get(path, andrew_);
    EXPECT_EQ(bearer.status, 401u) << "a user's token is not the admin's: " << path;
    auto admin = http().request("GET", path, {{"Authorization", kAdminBasic}});
    EXPECT_EQ(admin.status, 200u) << path;
    EXPECT_EQ(admin.header("Cache-Control"), "no-store");
  }
  EXPECT_EQ(server().log().find(kAdminPassword), std::string::npos);
  EXPECT_EQ(server().log().find("bWV0cmljcy1hZG1pbjpzM2NyZXQ6IG1ldHJpY3MgcGFzcw"),
            std::string::npos);

  // Without the credentials configured, the admin routes do not exist.
  auto off = start_server({{"ADMIN_USERNAME", ""}, {"ADMIN_PASSWORD", ""}});
  extra_servers_.push_back(std::move(off.process));
  HttpClient other(off.port);
  EXPECT_EQ(other.request("GET", "/admin/metrics", {{"Authorization", kAdminBasic}}).status, 404u);
  EXPECT_EQ(other.get("/api/admin/metrics").status, 404u);
  EXPECT_NE(extra_servers_.back()->log().find("admin pages off"), std::string::npos);
}

TEST_F(MetricsSyncTest, ASyncerKilledBetweenItsReadAndItsCommitLeavesNothingAndTheRerunCountsAll) {
  converse(andrew_, "bayko", 4);
  AppliersLock lock(connect());
  auto& syncer = start_sync();
  wait_for_a_syncer_blocked_by_the_lock();  // it has read the records and waits to apply them
  syncer.signal(SIGKILL);
  ASSERT_TRUE(syncer.wait_exit(30s).has_value());
  lock.release();
  EXPECT_EQ(today(), (std::pair<long, long>{0, 0}));

  // Its lease is still there: a rerun now leaves the shard alone and says so.
  auto early = sync();
  ASSERT_EQ(early.exit_code, 0) << early.err;
  EXPECT_NE(early.err.find("is being synced by"), std::string::npos) << early.err;
  EXPECT_EQ(today(), (std::pair<long, long>{0, 0}));

  expire_leases();
  auto rerun = sync();
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_EQ(today(), (std::pair<long, long>{4, 1}));
}

TEST_F(MetricsSyncTest, ASyncerKilledAfterACommitIsResumedWithoutCountingTwice) {
  converse(andrew_, "bayko", 5);
  converse(londo_, "bayko", 5);
  // One stream record per batch: many commits. Stop it right after its first one.
  auto& syncer = start_sync({"--batch-size", "1"});
  wait_until("SELECT count(*) > 0 FROM metrics_stream_shards WHERE sequence_number IS NOT NULL",
             "the first batch is committed");
  AppliersLock lock(connect());
  wait_for_a_syncer_blocked_by_the_lock();
  syncer.signal(SIGKILL);
  ASSERT_TRUE(syncer.wait_exit(30s).has_value());
  lock.release();
  auto partial = today();
  EXPECT_LT(partial.first, 10) << "killed before the end";

  expire_leases();
  auto rerun = sync();
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_EQ(today(), (std::pair<long, long>{10, 2}));
  EXPECT_NE(rerun.err.find(" " + std::to_string(10 - partial.first) + " message(s) counted"),
            std::string::npos)
      << rerun.err;
}

TEST_F(MetricsSyncTest, TwoSyncersAtOnceCountEverythingOnceAndTheSecondSaysItSkipped) {
  converse(andrew_, "londo", 3);
  AppliersLock lock(connect());
  auto& first = start_sync();
  wait_for_a_syncer_blocked_by_the_lock();  // the first holds the shard's lease
  auto second = sync();
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("is being synced by"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("1 shard(s) left to another syncer"), std::string::npos) << second.err;
  lock.release();
  EXPECT_EQ(first.wait_exit(60s), std::optional<int>(0)) << first.log();
  EXPECT_EQ(today(), (std::pair<long, long>{3, 1}));

  // And two started together, unsynchronised, after more messages.
  converse(bayko_, "londo", 2);
  auto& a = start_sync({"--batch-size", "2"});
  auto& b = start_sync({"--batch-size", "2"});
  EXPECT_EQ(a.wait_exit(60s), std::optional<int>(0)) << a.log();
  EXPECT_EQ(b.wait_exit(60s), std::optional<int>(0)) << b.log();
  EXPECT_EQ(today(), (std::pair<long, long>{5, 2}));
}

TEST_F(MetricsSyncTest, FollowCountsNewMessagesAndStopsCleanlyOnSigterm) {
  auto& follower = start_sync({"--follow"});
  converse(andrew_, "bayko", 2);
  auto deadline = Clock::now() + 60s;
  while (today() != std::pair<long, long>{2, 1}) {
    ASSERT_LT(Clock::now(), deadline) << follower.log();
    std::this_thread::sleep_for(100ms);
  }
  converse(londo_, "bayko", 1);
  while (today() != std::pair<long, long>{3, 2}) {
    ASSERT_LT(Clock::now(), deadline) << follower.log();
    std::this_thread::sleep_for(100ms);
  }
  follower.signal(SIGTERM);
  EXPECT_EQ(follower.wait_exit(30s), std::optional<int>(0)) << follower.log();
  EXPECT_EQ(sql_value("SELECT count(*) FROM metrics_stream_shards WHERE lease_owner IS NOT NULL"),
            "0")
      << "the lease was given back";
  EXPECT_NE(follower.log().find("3 message(s) counted"), std::string::npos) << follower.log();
}

}  // namespace
}  // namespace cruddur::test
