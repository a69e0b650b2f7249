// Many instances, a read replica, poolers (docs/scaling.md), on loopback with the real parts: a
// write through any instance is read back through every other at once (memory cache, then a
// shared Redis, then Redis killed); a replica stopped and restarted under wrk fails no request;
// a LISTEN through a transaction pooler is detected at start; a rolling restart of three
// instances under wrk fails no request; through PgBouncer in transaction mode the answers are
// byte-identical to a direct connection's and nothing fails under load.
#include <gtest/gtest.h>

#include <iostream>
#include <thread>

#include "cruddur/db/connection.hpp"
#include "own_redis.hpp"
#include "scale_fixture.hpp"

namespace cruddur::test {
namespace {

using nlohmann::json;

class ScaleApiTest : public ScaleTest {
 protected:
  // One read that must show a write: `fresh` tells whether the answer does.
  struct Reading {
    std::string target;
    std::function<bool(const json&)> fresh;
    std::string authorization;
  };

  json get_json(const Instance& instance, const std::string& target,
                const std::string& authorization = {}) {
    auto reply = instance.http().get(target, authorization);
    EXPECT_EQ(reply.status, 200u) << target << ": " << reply.body;
    return reply.status == 200 ? reply.json() : json();
  }

  // Notifications each instance has handled so far.
  std::vector<double> heard() {
    std::vector<double> counts;
    for (const auto& instance : instances_) {
      counts.push_back(metric(instance, "cruddur_changes_heard_total").value_or(-1));
    }
    return counts;
  }

  // Every reading, on every instance, right after a write: each must show it at once, or — when
  // the instance had not yet received the write's notification (processes run when the scheduler
  // lets them) — as soon as it has, never later (the TTL is a minute). Stale first answers are
  // counted and reported.
  void expect_seen_everywhere(const std::vector<double>& heard_before,
                              const std::vector<Reading>& readings, const std::string& what) {
    for (std::size_t i = 0; i < instances_.size(); ++i) {
      const auto& reader = instances_[i];
      for (const auto& reading : readings) {
        SCOPED_TRACE(what + ": " + reading.target + " on port " + std::to_string(reader.port));
        ++reads_at_once_;
        if (reading.fresh(get_json(reader, reading.target, reading.authorization))) continue;
        ++stale_at_once_;
        EXPECT_TRUE(wait_for_metric(reader, "cruddur_changes_heard_total",
                                    [&](double count) { return count > heard_before[i]; }));
        EXPECT_TRUE(reading.fresh(get_json(reader, reading.target, reading.authorization)))
            << "still stale after the instance heard the write";
      }
    }
  }

  // Caches (or reads) everything the writes below change, on every instance.
  void warm(const std::string& parent_show) {
    for (const auto& instance : instances_) {
      for (const auto& target :
           {std::string("/api/activities/home"), std::string("/api/activities/@andrewbrown"),
            std::string("/api/activities/@altbrown"), parent_show}) {
        (void)get_json(instance, target);
        (void)get_json(instance, target);
      }
    }
  }

  // Each instance in turn writes (create, reply, profile update); every instance then answers
  // with the write — cache and replica notwithstanding.
  void expect_writes_visible_everywhere(const std::string& label) {
    auto parent = primary_value(
        "SELECT a.uuid FROM activities a JOIN users u ON u.uuid = a.user_uuid "
        "WHERE u.handle = 'altbrown' AND a.reply_to_activity_uuid IS NULL LIMIT 1");
    auto parent_show = "/api/activities/@altbrown/status/" + parent;
    const auto author = bearer("andrewbrown");
    for (std::size_t writer = 0; writer < instances_.size(); ++writer) {
      auto tag = label + " on " + std::to_string(writer);
      warm(parent_show);
      auto before = heard();
      auto created = instances_[writer].http().post(
          "/api/activities", json{{"message", "crud " + tag}, {"ttl", "1-day"}}.dump(), author);
      ASSERT_EQ(created.status, 200u) << created.body;
      auto uuid = created.json().at("uuid");
      auto newest_is = [uuid](const json& feed) {
        return !feed.empty() && feed.at(0).at("uuid") == uuid;
      };
      expect_seen_everywhere(
          before,
          {{"/api/activities/home", newest_is, {}},
           {"/api/activities/@andrewbrown",
            [newest_is](const json& page) { return newest_is(page.at("activities")); },
            {}},
           // Uncached, maybe from the replica: the writer's own reads see the write.
           {"/api/activities/search?term=crud%20" + label, newest_is, author}},
          "create " + tag);

      warm(parent_show);
      auto count =
          get_json(instances_[0], parent_show).at("activity").at("replies_count").get<int>();
      before = heard();
      auto replied = instances_[writer].http().post(
          "/api/activities/" + parent + "/reply", json{{"message", "reply " + tag}}.dump(), author);
      ASSERT_EQ(replied.status, 200u) << replied.body;
      auto reply_uuid = replied.json().at("uuid");
      expect_seen_everywhere(before,
                             {{parent_show,
                               [count, reply_uuid](const json& show) {
                                 return show.at("activity").at("replies_count") == count + 1
                                        && !show.at("replies").empty()
                                        && show.at("replies").back().at("uuid") == reply_uuid;
                               },
                               {}},
                              {"/api/activities/@altbrown",
                               [count](const json& page) {
                                 return page.at("activities").at(0).at("replies_count")
                                        == count + 1;
                               },
                               {}}},
                             "reply " + tag);

      warm(parent_show);
      auto name = "Andrew " + tag;
      before = heard();
      auto updated = instances_[writer].http().request(
          "PUT", "/api/profile/update", {{"Authorization", author}},
          json{{"display_name", name}, {"bio", "bio"}}.dump());
      ASSERT_EQ(updated.status, 200u) << updated.body;
      expect_seen_everywhere(
          before,
          {{"/api/activities/@andrewbrown",
            [name](const json& page) { return page.at("profile").at("display_name") == name; },
            {}},
           {"/api/users/@andrewbrown/short",
            [name](const json& user) { return user.at("display_name") == name; },
            {}},
           {"/api/activities/home",
            [name](const json& feed) { return feed.at(0).at("display_name") == name; },
            {}}},
          "update " + tag);
    }
  }

  void restart_instances(const std::map<std::string, std::string>& overrides) {
    auto count = instances_.size();
    for (auto& instance : instances_) stop_instance(instance);
    instances_.clear();
    start_instances(count, overrides);
  }

  void expect_replica_in_use() {
    for (const auto& instance : instances_) {
      EXPECT_TRUE(wait_for_metric(instance, "cruddur_db_replica_usable",
                                  [](double usable) { return usable == 1; }))
          << "port " << instance.port;
    }
  }

  void report_staleness() {
    std::cout << "scale: " << reads_at_once_ << " reads right after a write on another instance, "
              << stale_at_once_ << " answered before that instance had heard the write\n";
    RecordProperty("reads_at_once", std::to_string(reads_at_once_));
    RecordProperty("stale_at_once", std::to_string(stale_at_once_));
  }

  unsigned reads_at_once_ = 0;
  unsigned stale_at_once_ = 0;
};

TEST_F(ScaleApiTest, AWriteThroughAnyInstanceIsReadBackThroughEveryOtherAtOnce) {
  start_instances(3);
  expect_replica_in_use();
  expect_writes_visible_everywhere("memory");
  double replica_reads = 0;
  for (const auto& instance : instances_) {
    replica_reads += metric(instance, "cruddur_db_replica_reads_total").value_or(0);
    EXPECT_EQ(metric(instance, "cruddur_changes_unknown_total"), 0.0);
  }
  EXPECT_GT(replica_reads, 0) << "the replica served none of the reads";

  OwnRedis redis("scale-redis-secret");
  auto redis_url = "redis://:scale-redis-secret@127.0.0.1:" + std::to_string(redis.port()) + "/0";
  restart_instances({{"CACHE_URL", redis_url}});
  expect_replica_in_use();
  expect_writes_visible_everywhere("redis");

  // Redis killed: writes are answered 200 and seen everywhere; the deletes are retried later.
  redis.kill();
  const auto author = bearer("bayko");
  for (std::size_t writer = 0; writer < instances_.size(); ++writer) {
    auto message = "without redis " + std::to_string(writer);
    auto before = heard();
    auto created = instances_[writer].http().post(
        "/api/activities", json{{"message", message}, {"ttl", "1-day"}}.dump(), author);
    ASSERT_EQ(created.status, 200u) << created.body;
    auto newest_is = [message](const json& feed) {
      return !feed.empty() && feed.at(0).at("message") == message;
    };
    expect_seen_everywhere(
        before,
        {{"/api/activities/home", newest_is, {}},
         {"/api/activities/@bayko",
          [newest_is](const json& page) { return newest_is(page.at("activities")); },
          {}}},
        message);
  }
  EXPECT_GT(metric(instances_[0], "cruddur_cache_invalidation_retry_pending").value_or(0), 0);
  report_staleness();
}

TEST_F(ScaleApiTest, AReplicaStoppedAndRestartedUnderLoadFailsNoRequest) {
  start_instances(2);
  expect_replica_in_use();
  start_haproxy();
  auto replica_reads = [this] {
    double total = 0;
    for (const auto& instance : instances_) {
      total += metric(instance, "cruddur_db_replica_reads_total").value_or(0);
    }
    return total;
  };
  auto wrk = start_wrk(8, "londo");
  auto before = replica_reads();
  for (const auto& instance : instances_) {
    EXPECT_TRUE(wait_for_metric(instance, "cruddur_db_replica_reads_total",
                                [&](double reads) { return reads > before / 2 + 20; }));
  }
  topology({"replica", "stop"});
  for (const auto& instance : instances_) {
    EXPECT_TRUE(wait_for_metric(instance, "cruddur_db_replica_usable",
                                [](double usable) { return usable == 0; }));
    // Reads keep being answered, by the primary.
    auto lagging = metric(instance, "cruddur_db_replica_primary_reads_lagging_total").value_or(0);
    EXPECT_TRUE(wait_for_metric(instance, "cruddur_db_replica_primary_reads_lagging_total",
                                [&](double reads) { return reads > lagging + 20; }));
  }
  topology({"replica", "start"});
  expect_replica_in_use();
  auto after_restart = replica_reads();
  EXPECT_TRUE(wait_for_metric(instances_[0], "cruddur_db_replica_reads_total", [&](double) {
    return replica_reads() > after_restart + 20;
  })) << "the replica came back but serves nothing";
  auto result = finish_wrk(*wrk);
  std::cout << "scale: replica stopped and restarted under wrk: " << result.requests
            << " requests, " << result.failed() << " failed\n";
  RecordProperty("requests", std::to_string(result.requests));
  RecordProperty("failed", std::to_string(result.failed()));
  EXPECT_GT(result.requests, 200u) << result.output;
  EXPECT_EQ(result.failed(), 0u) << result.output;
}

TEST_F(ScaleApiTest, ListenThroughATransactionPoolerIsDetectedAtStart) {
  start_pgbouncer();
  auto instance = start_instance({{"LISTEN_CONNECTION_URL", urls_.at("POOLER_URL")}});
  EXPECT_EQ(metric(instance, "cruddur_changes_hearing"), 0.0);
  EXPECT_EQ(metric(instance, "cruddur_changes_probe_failures_total"), 1.0);
  EXPECT_NE(instance.process->log().find("LISTEN does not hear what this server NOTIFYs"),
            std::string::npos)
      << instance.process->log();
  // Not hearing other servers' writes, it reads from the primary only: still correct.
  EXPECT_EQ(metric(instance, "cruddur_db_replica_blind"), 1.0);
  EXPECT_EQ(instance.http().get("/api/activities/home").status, 200u);
  instances_.push_back(std::move(instance));
}

// Issue 13 items 4 and 5: a rolling restart of all three instances behind HAProxy under wrk. Each
// in turn gets SIGTERM (DRAIN_GRACE_S above HAProxy's 200 ms × 2 checks: /api/ready answers 503,
// HAProxy takes it out while it still serves), drains, exits 0, and a new instance takes its
// port; no request fails.
TEST_F(ScaleApiTest, ARollingRestartOfThreeInstancesUnderLoadFailsNoRequest) {
  const std::map<std::string, std::string> draining{{"DRAIN_GRACE_S", "1"}};
  start_instances(3, draining);
  start_haproxy();
  auto wrk = start_wrk(8, "londo");
  auto served = [](const Instance& instance) {
    return metric(instance, "cruddur_db_pool_requests_total").value_or(0);
  };
  for (auto& instance : instances_) {
    EXPECT_TRUE(wait_for_metric(instance, "cruddur_db_pool_requests_total",
                                [](double requests) { return requests > 50; }));
  }
  for (auto& instance : instances_) {
    auto port = instance.port;
    stop_instance(instance);
    EXPECT_NE(instance.process->log().find("drain grace of 1 s over"), std::string::npos)
        << instance.process->log_path();
    instance = start_instance(draining, port);
    // Back in HAProxy's rotation: the new instance serves wrk's requests.
    auto before = served(instance);
    EXPECT_TRUE(wait_for_metric(instance, "cruddur_db_pool_requests_total",
                                [before](double requests) { return requests > before + 50; }))
        << "the restarted instance on port " << port << " gets no requests";
  }
  auto result = finish_wrk(*wrk);
  std::cout << "scale: rolling restart of 3 instances under wrk: " << result.requests
            << " requests, " << result.failed() << " failed\n";
  RecordProperty("requests", std::to_string(result.requests));
  RecordProperty("failed", std::to_string(result.failed()));
  EXPECT_GT(result.requests, 500u) << result.output;
  EXPECT_EQ(result.failed(), 0u) << result.output;
}

// Issue 13 items 3 and 5: the server through PgBouncer 1.18 in transaction mode with
// DB_PREPARED=off. The database's default time zone is not UTC, so only each statement's own
// setting makes the answers byte-identical to those of a server connected directly (prepared,
// session settings); then the whole API under wrk through the pooler fails nothing, and the
// statement timeout holds on the server (the statement is canceled there, not only answered).
TEST_F(ScaleApiTest, ThroughPgBouncerAnswersAreByteIdenticalAndNothingFailsUnderLoad) {
  {
    auto primary = db::Connection::open(urls_.at("PRIMARY_URL"));
    primary.exec(
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone = %L', current_database(), "
        "'Asia/Kathmandu'); END $$");
  }
  start_pgbouncer();
  const std::map<std::string, std::string> uncached{{"READ_CONNECTION_URL", ""},
                                                    {"CACHE_URL", "none://"}};
  auto direct = start_instance(uncached);
  auto pooled_env = uncached;
  pooled_env["CONNECTION_URL"] = urls_.at("POOLER_URL");
  pooled_env["DB_PREPARED"] = "off";
  pooled_env["LISTEN_CONNECTION_URL"] = urls_.at("PRIMARY_URL");
  pooled_env["DB_STATEMENT_TIMEOUT_MS"] = "3000";
  instances_.push_back(start_instance(pooled_env));
  const auto& pooled = instances_[0];

  auto parent = primary_value(
      "SELECT a.uuid FROM activities a JOIN users u ON u.uuid = a.user_uuid "
      "WHERE u.handle = 'altbrown' AND a.reply_to_activity_uuid IS NULL LIMIT 1");
  const auto author = bearer("andrewbrown");
  const std::vector<std::pair<std::string, std::string>> reads{
      {"/api/activities/home", ""},
      {"/api/activities/home?limit=1", author},
      {"/api/activities/@andrewbrown", ""},
      {"/api/activities/@altbrown/status/" + parent, ""},
      {"/api/activities/search?term=pooled", ""},
      {"/api/activities/notifications", author},
      {"/api/users/@andrewbrown/short", ""},
      {"/api/activities/@nobody", ""}};
  auto expect_identical = [&](const std::string& when) {
    for (const auto& [target, authorization] : reads) {
      auto through_pooler = pooled.http().get(target, authorization);
      auto straight = direct.http().get(target, authorization);
      EXPECT_EQ(through_pooler.status, straight.status) << when << " " << target;
      EXPECT_EQ(through_pooler.body, straight.body) << when << " " << target;
    }
  };
  expect_identical("before the writes");
  auto created = pooled.http().post(
      "/api/activities", json{{"message", "pooled crud"}, {"ttl", "1-day"}}.dump(), author);
  ASSERT_EQ(created.status, 200u) << created.body;
  EXPECT_NE(created.body.find("+00:00"), std::string::npos) << created.body;
  auto replied = pooled.http().post("/api/activities/" + parent + "/reply",
                                    json{{"message", "pooled reply"}}.dump(), author);
  ASSERT_EQ(replied.status, 200u) << replied.body;
  auto updated =
      pooled.http().request("PUT", "/api/profile/update", {{"Authorization", author}},
                            json{{"display_name", "Andrew Pooled"}, {"bio", "pooled"}}.dump());
  ASSERT_EQ(updated.status, 200u) << updated.body;
  expect_identical("after the writes");
  auto home = pooled.http().get("/api/activities/home");
  EXPECT_NE(home.body.find("+00:00"), std::string::npos) << home.body;
  EXPECT_NE(home.body.find("pooled crud"), std::string::npos);

  start_haproxy();
  auto wrk = start_wrk(8, "londo");
  EXPECT_TRUE(wait_for_metric(
      pooled, "cruddur_db_pool_requests_total", [](double requests) { return requests > 2000; },
      std::chrono::seconds(60)));
  auto result = finish_wrk(*wrk);
  std::cout << "scale: the API through PgBouncer under wrk: " << result.requests << " requests, "
            << result.failed() << " failed\n";
  RecordProperty("pooler_requests", std::to_string(result.requests));
  RecordProperty("pooler_failed", std::to_string(result.failed()));
  EXPECT_GT(result.requests, 500u) << result.output;
  EXPECT_EQ(result.failed(), 0u) << result.output;

  // The statement timeout holds through the pooler: a read stuck on a lock is canceled by the
  // server (nothing of ours waits on it any more) while the lock is still held.
  auto locker = db::Connection::open(urls_.at("PRIMARY_URL"));
  locker.exec("BEGIN");
  locker.exec("LOCK TABLE activities IN ACCESS EXCLUSIVE MODE");
  auto stuck = pooled.http().get("/api/activities/@altbrown");
  EXPECT_EQ(stuck.status, 504u) << stuck.body;
  auto observer = db::Connection::open(urls_.at("PRIMARY_URL"));
  auto waiting = [&observer] {
    return std::string(observer
                           .exec("SELECT count(*) FROM pg_stat_activity "
                                 "WHERE wait_event_type = 'Lock'")
                           .one_field());
  };
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (waiting() != "0" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(waiting(), "0") << "the statement still waits in Postgres: no server-side timeout";
  locker.exec("ROLLBACK");
  EXPECT_EQ(pooled.http().get("/api/activities/@altbrown").status, 200u);
  stop_instance(direct);
}

}  // namespace
}  // namespace cruddur::test
