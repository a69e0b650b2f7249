#pragma once
// Test support for the metrics suite: an ApiTest whose server has the admin credentials and a
// DynamoDB messages table of its own on moto_server (made by `cruddur ddb schema-load`), with
// helpers to post messages, run `cruddur metrics sync`, read the dashboard and hold the appliers'
// lock.

#include <gtest/gtest.h>
#include <signal.h>

#include <random>
#include <sstream>
#include <thread>

#include "api_fixture.hpp"

namespace cruddur::test {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kAdminUser = "metrics-admin";
constexpr const char* kAdminPassword = "s3cret: metrics pass";
// base64("metrics-admin:s3cret: metrics pass")
constexpr const char* kAdminBasic = "Basic bWV0cmljcy1hZG1pbjpzM2NyZXQ6IG1ldHJpY3MgcGFzcw==";

inline std::string random_table() {
  std::random_device random;
  return "cruddur-metrics-"
         + std::to_string(std::uniform_int_distribution<unsigned>(1, 1u << 30)(random));
}

class MetricsApiTest : public ApiTest {
 protected:
  MetricsApiTest() : endpoint_(required_env("CRUDDUR_TEST_MOTO_URL")), table_(random_table()) {}

  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    auto loaded = run_cruddur({"ddb", "schema-load"}, aws_env());
    ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
    andrew_ = dev_bearer("andrewbrown");
    bayko_ = dev_bearer("bayko");
    londo_ = dev_bearer("londo");
  }

  void TearDown() override {
    for (auto& syncer : syncers_) {
      if (syncer->running()) syncer->signal(SIGKILL);
      EXPECT_EQ(syncer->log().find(password_), std::string::npos) << "password in a sync log";
      if (HasFailure()) std::cerr << "---- sync log ----\n" << syncer->log() << "----\n";
    }
    syncers_.clear();
    if (!endpoint_.empty()) run_cruddur({"ddb", "drop"}, aws_env());
    ApiTest::TearDown();
  }

  [[nodiscard]] std::map<std::string, std::string> server_env(std::uint16_t port) const override {
    auto env = ApiTest::server_env(port);
    env["DDB_MESSAGE_TABLE"] = table_;
    env["ADMIN_USERNAME"] = kAdminUser;
    env["ADMIN_PASSWORD"] = kAdminPassword;
    return env;
  }

  [[nodiscard]] std::map<std::string, std::string> aws_env() const {
    return {{"AWS_ENDPOINT_URL", endpoint_}, {"DDB_MESSAGE_TABLE", table_}, {"LOG_LEVEL", "info"}};
  }

  // Posts `count` messages: a new conversation from `from` to `to`, then replies in it.
  void converse(const std::string& from, const std::string& to, int count) {
    auto created =
        http().post("/api/messages", json{{"message", "hello"}, {"handle", to}}.dump(), from);
    ASSERT_EQ(created.status, 200u) << created.body;
    auto group = created.json().at("message_group_uuid").get<std::string>();
    for (int i = 1; i < count; ++i) {
      auto reply = http().post(
          "/api/messages",
          json{{"message", "reply " + std::to_string(i)}, {"message_group_uuid", group}}.dump(),
          from);
      ASSERT_EQ(reply.status, 200u) << reply.body;
    }
  }

  ProcessResult sync(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args{"metrics", "sync"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cruddur(args, aws_env());
  }

  ChildProcess& start_sync(const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv{CRUDDUR_BIN, "metrics", "sync"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto env = aws_env();
    env["CONNECTION_URL"] = url_;
    env["CRUDDUR_DB_DIR"] = std::string(CRUDDUR_SOURCE_DIR) + "/db";
    auto log = dir_ / ("sync-" + std::to_string(syncers_.size()) + ".log");
    syncers_.push_back(std::make_unique<ChildProcess>(argv, env, log));
    return *syncers_.back();
  }

  // The dashboard's JSON through the API.
  json dashboard() const {
    auto reply = http().request("GET", "/api/admin/metrics", {{"Authorization", kAdminBasic}});
    EXPECT_EQ(reply.status, 200u) << reply.body;
    return reply.json();
  }

  // Today's (UTC) messages and conversations on the dashboard.
  std::pair<long, long> today() const {
    auto day = dashboard().at("days").back();
    return {day.at("messages").get<long>(), day.at("conversations").get<long>()};
  }

  // Waits (up to 60 s) until `sql` gives "t".
  void wait_until(const std::string& sql, const std::string& what) const {
    auto deadline = Clock::now() + 60s;
    while (sql_value(sql) != "t") {
      ASSERT_LT(Clock::now(), deadline) << "timed out waiting until " << what;
      std::this_thread::sleep_for(20ms);
    }
  }

  // The appliers' lock (metrics/lock_apply), held by the test on its own connection until
  // release(): a syncer that has read its batch from DynamoDB then waits inside its transaction.
  struct AppliersLock {
    explicit AppliersLock(db::Connection connection) : connection_(std::move(connection)) {
      connection_.exec("BEGIN");
      connection_.exec(
          "SELECT pg_advisory_xact_lock(hashtextextended('cruddur.metrics.apply', 0))");
    }
    void release() { connection_.exec("ROLLBACK"); }
    db::Connection connection_;
  };

  void wait_for_a_syncer_blocked_by_the_lock() const {
    wait_until(
        "SELECT count(*) > 0 FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND wait_event = 'advisory'",
        "a syncer waits for the appliers' lock");
  }

  // Lets the shard's lease run out now (as if its lease time had passed).
  void expire_leases() const {
    sql("UPDATE metrics_stream_shards SET lease_expires_at = now() WHERE lease_owner IS NOT NULL");
  }

  std::string endpoint_;
  std::string table_;
  std::string andrew_, bayko_, londo_;
  std::vector<std::unique_ptr<ChildProcess>> syncers_;
};

}  // namespace cruddur::test
