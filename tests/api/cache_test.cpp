// The feed cache over real HTTP with the real `cruddur serve`: cached responses are byte-identical
// to uncached ones, writes invalidate before they are acknowledged (in one process with memory://,
// across two processes sharing a private redis-server, and with Momento through fake_momento),
// a Redis that hangs or dies never fails or slows a read nor fails a write, and the deletes it
// missed are retried once it is back. Private redis-servers (OwnRedis),
// not the shared one, because tests run in parallel and the keys (`v1:home`) would collide.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <sstream>
#include <thread>

#include "api_fixture.hpp"
#include "fake_momento.hpp"
#include "own_redis.hpp"

namespace {

using cruddur::test::ApiTest;
using cruddur::test::FakeMomento;
using cruddur::test::HttpClient;
using cruddur::test::HttpReply;
using cruddur::test::kCognitoHandle;
using cruddur::test::OwnRedis;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kSeedAlt = "0a7c5d84-7d1e-4b8e-8f0e-5e1d2c3b0002";
constexpr const char* kRedisPassword = "redis-test-secret";
constexpr const char* kMomentoToken = "momento-test-token-not-for-logs";

// The value of an unlabelled metric on /metrics.
double metric(const HttpClient& http, const std::string& name) {
  auto reply = http.get("/metrics");
  EXPECT_EQ(reply.status, 200u);
  std::istringstream lines(reply.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  ADD_FAILURE() << name << " is not on /metrics:\n" << reply.body;
  return -1;
}

// Headers that must match between two answers: all but the per-request id.
std::vector<std::pair<std::string, std::string>> stable_headers(const HttpReply& reply) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& header : reply.headers) {
    if (header.first != "X-Request-Id") out.push_back(header);
  }
  return out;
}

// The `before` cursor of the Link header, empty when there is none.
std::string next_cursor(const HttpReply& reply) {
  auto link = reply.header("Link");
  auto at = link.find("before=");
  return at == std::string::npos ? std::string() : link.substr(at + 7, link.find('>') - at - 7);
}

std::string redis_url(const OwnRedis& redis) {
  return std::string("redis://:") + kRedisPassword + "@127.0.0.1:" + std::to_string(redis.port())
         + "/0";
}

std::string show_target(const std::string& handle, const std::string& uuid) {
  return "/api/activities/@" + handle + "/status/" + uuid;
}

class CacheApiTest : public ApiTest {
 protected:
  // Replaces SetUp's server (memory://) by one with `overrides`; the old one must exit cleanly.
  void restart_server(const std::map<std::string, std::string>& overrides) {
    server_.process->signal(SIGTERM);
    EXPECT_EQ(server_.process->wait_exit(std::chrono::seconds(30)), std::optional<int>(0));
    extra_servers_.push_back(std::move(server_.process));
    server_ = start_server(overrides);
    http_ = std::make_unique<HttpClient>(server_.port);
  }

  // A second server with `overrides`, stopped (and its log checked) by TearDown.
  HttpClient second_server(const std::map<std::string, std::string>& overrides) {
    auto other = start_server(overrides);
    HttpClient client(other.port);
    extra_servers_.push_back(std::move(other.process));
    return client;
  }

  json get_json(const HttpClient& http, const std::string& target) {
    auto reply = http.get(target);
    EXPECT_EQ(reply.status, 200u) << target << ": " << reply.body;
    return reply.status == 200 ? reply.json() : json();
  }

  // Reads `target` twice on `reader` so that it is cached there (the second read must hit).
  void warm(const HttpClient& reader, const std::string& target) {
    auto hits = metric(reader, "cruddur_cache_hits_total");
    (void)get_json(reader, target);
    (void)get_json(reader, target);
    EXPECT_GT(metric(reader, "cruddur_cache_hits_total"), hits) << target << " was not cached";
  }

  // Every write through `writer` is visible at once on `reader`, although each response it
  // changes was cached on `reader` just before the write. `label` makes this call's writes
  // differ from an earlier call's.
  void expect_writes_visible(const HttpClient& writer, const HttpClient& reader,
                             const std::string& label) {
    const std::string home = "/api/activities/home";
    const std::string mine = std::string("/api/activities/@") + kCognitoHandle;
    const std::string alt = "/api/activities/@altbrown";
    const std::string parent_show = show_target("altbrown", kSeedAlt);
    for (const auto& target : {home, mine, alt, parent_show}) warm(reader, target);
    auto replies_before = get_json(reader, parent_show).at("activity").at("replies_count");

    auto created =
        writer.post("/api/activities", json{{"message", "crud " + label}, {"ttl", "1-day"}}.dump(),
                    moto_bearer());
    ASSERT_EQ(created.status, 200u) << created.body;
    auto created_uuid = created.json().at("uuid");
    EXPECT_EQ(get_json(reader, home).at(0).at("uuid"), created_uuid) << "home after a create";
    EXPECT_EQ(get_json(reader, mine).at("activities").at(0).at("uuid"), created_uuid)
        << "the author's profile after a create";

    for (const auto& target : {home, mine}) warm(reader, target);
    auto replied = writer.post("/api/activities/" + std::string(kSeedAlt) + "/reply",
                               json{{"message", "reply " + label}}.dump(), moto_bearer());
    ASSERT_EQ(replied.status, 200u) << replied.body;
    auto reply_uuid = replied.json().at("uuid");
    auto show = get_json(reader, parent_show);
    EXPECT_EQ(show.at("activity").at("replies_count"), replies_before.get<int>() + 1)
        << "the parent's show page";
    ASSERT_FALSE(show.at("replies").empty()) << show;
    EXPECT_EQ(show.at("replies").back().at("uuid"), reply_uuid);
    EXPECT_EQ(get_json(reader, alt).at("activities").at(0).at("replies_count"),
              replies_before.get<int>() + 1)
        << "the parent author's profile";
    EXPECT_EQ(get_json(reader, mine).at("activities").at(0).at("uuid"), reply_uuid)
        << "the reply author's profile";
    EXPECT_EQ(get_json(reader, home).at(0).at("uuid"), reply_uuid) << "home after a reply";

    // A reply to that reply changes its replies_count on the grandparent's show page.
    warm(reader, parent_show);
    auto nested = writer.post("/api/activities/" + reply_uuid.get<std::string>() + "/reply",
                              json{{"message", "nested " + label}}.dump(), dev_bearer("bayko"));
    ASSERT_EQ(nested.status, 200u) << nested.body;
    EXPECT_EQ(get_json(reader, parent_show).at("replies").back().at("replies_count"), 1)
        << "the grandparent's show page";

    for (const auto& target : {home, mine}) warm(reader, target);
    auto display_name = "Renamed " + label;
    auto updated =
        writer.request("PUT", "/api/profile/update", {{"Authorization", moto_bearer()}},
                       json{{"display_name", display_name}, {"bio", "bio " + label}}.dump());
    ASSERT_EQ(updated.status, 200u) << updated.body;
    auto profile = get_json(reader, mine).at("profile");
    EXPECT_EQ(profile.at("display_name"), display_name) << "the profile after an update";
    EXPECT_EQ(profile.at("bio"), "bio " + label);
    int mine_in_home = 0;
    for (const auto& activity : get_json(reader, home)) {
      if (activity.at("handle") != kCognitoHandle) continue;
      ++mine_in_home;
      EXPECT_EQ(activity.at("display_name"), display_name) << "home after a profile update";
    }
    EXPECT_GT(mine_in_home, 0);
  }

  // Every read answers 200 from Postgres, each within a second: with a hung or dead cache a
  // request waits at most for the cache's budget (50 ms per call), never for the backend's own
  // 1 s timeout — a read that waited for it takes a second or more, so that is the bound (the
  // loosest that still tells the two apart; a loaded ASan run must not fail on scheduling).
  void expect_reads_unharmed(const std::map<std::string, std::string>& expected) {
    for (int round = 0; round < 5; ++round) {
      for (const auto& [target, body] : expected) {
        auto start = Clock::now();
        auto reply = http().get(target);
        auto elapsed = Clock::now() - start;
        EXPECT_EQ(reply.status, 200u) << target << ": " << reply.body;
        EXPECT_EQ(reply.body, body) << target;
        EXPECT_LT(elapsed, std::chrono::milliseconds(1000)) << target << " waited for the cache";
      }
    }
  }

  // A create while the shared cache cannot be cleared: answered 200 (it is committed, never an
  // error), and this server's next read shows it (its reads miss the broken cache).
  void expect_create_answered_and_visible(const std::string& message) {
    auto reply = http().post("/api/activities", json{{"message", message}, {"ttl", "1-day"}}.dump(),
                             moto_bearer());
    EXPECT_EQ(reply.status, 200u) << reply.body;
    EXPECT_EQ(sql_value("SELECT count(*) FROM activities WHERE message = $1", {message}), "1");
    auto home = http().get("/api/activities/home");
    EXPECT_NE(home.body.find(message), std::string::npos) << "the create is not visible at once";
  }

  // Once the shared cache answers again, the deletes it missed are retried until none is left;
  // then what it serves shows the write `message` made meanwhile.
  void expect_missed_deletes_retried(const std::string& message) {
    auto deadline = Clock::now() + std::chrono::seconds(20);
    while (metric(http(), "cruddur_cache_invalidation_retry_pending") > 0
           && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    EXPECT_EQ(metric(http(), "cruddur_cache_invalidation_retry_pending"), 0.0);
    EXPECT_GT(metric(http(), "cruddur_cache_invalidation_retry_deleted_total"), 0.0);
    for (int read = 0; read < 2; ++read) {  // the second read is served by the cache
      auto home = http().get("/api/activities/home");
      EXPECT_NE(home.body.find(message), std::string::npos) << "a stale page after recovery";
    }
  }

  // The server's logs never show the cache's secret.
  void expect_secret_not_logged(const std::string& secret) {
    EXPECT_EQ(server().log().find(secret), std::string::npos) << "a cache secret is in the log";
  }

  // Seed enough activities for a full first page (so home carries Link rel=next).
  void seed_full_page() {
    sql("INSERT INTO activities (user_uuid, message, expires_at, created_at) "
        "SELECT (SELECT uuid FROM users WHERE handle = 'bayko'), 'page crud ' || g, "
        "now() + interval '1 day', now() - g * interval '1 minute' "
        "FROM generate_series(1, 25) g");
  }
};

TEST_F(CacheApiTest, CachedResponsesAreByteIdenticalToUncachedOnes) {
  seed_full_page();
  auto reply = http().post("/api/activities/" + std::string(kSeedAlt) + "/reply",
                           R"({"message":"so the show page has a reply"})", moto_bearer());
  ASSERT_EQ(reply.status, 200u) << reply.body;
  auto uncached = second_server({{"CACHE_URL", "none://"}});
  auto hits = metric(http(), "cruddur_cache_hits_total");
  const std::vector<std::string> targets{"/api/activities/home", "/api/activities/home?limit=20",
                                         "/api/activities/@bayko",
                                         show_target("altbrown", kSeedAlt)};
  for (const auto& target : targets) {
    auto first = http().get(target);
    auto second = http().get(target);
    auto direct = uncached.get(target);
    ASSERT_EQ(direct.status, 200u) << target << ": " << direct.body;
    EXPECT_EQ(first.body, direct.body) << target;
    EXPECT_EQ(second.body, direct.body) << target;
    EXPECT_EQ(stable_headers(first), stable_headers(direct)) << target;
    EXPECT_EQ(stable_headers(second), stable_headers(direct)) << target;
  }
  EXPECT_FALSE(http().get("/api/activities/home").header("Link").empty());
  EXPECT_GE(metric(http(), "cruddur_cache_hits_total") - hits, 5.0)
      << "each second read and the explicit limit=20 are hits";
  // The show page is cached under its handle too: another user's handle still finds nothing.
  EXPECT_EQ(http().get(show_target("andrewbrown", kSeedAlt)).status, 404u);
  EXPECT_EQ(http().get("/api/activities/@Bayko").status, 404u) << "handles match exactly";
  // Other pages and sizes are not cached, and a signed-in caller sees the same first page.
  auto signed_in = http().get("/api/activities/home", moto_bearer());
  EXPECT_EQ(signed_in.body, uncached.get("/api/activities/home").body);
  EXPECT_EQ(http().get("/api/activities/home?limit=5").body,
            uncached.get("/api/activities/home?limit=5").body);
}

TEST_F(CacheApiTest, MemoryCacheHitsAndEveryWriteInvalidatesAtOnce) {
  auto invalidations = metric(http(), "cruddur_cache_invalidations_total");
  expect_writes_visible(http(), http(), "in one process");
  EXPECT_GE(metric(http(), "cruddur_cache_invalidations_total") - invalidations, 4.0)
      << "create, two replies, profile update";
  EXPECT_EQ(metric(http(), "cruddur_cache_errors_total"), 0.0);
}

TEST_F(CacheApiTest, TwoServersSharingRedisSeeEachOthersWritesAtOnce) {
  OwnRedis redis(kRedisPassword);
  restart_server({{"CACHE_URL", redis_url(redis)}});
  auto other = second_server({{"CACHE_URL", redis_url(redis)}});
  // One server's miss fills the cache the other one hits.
  (void)get_json(http(), "/api/activities/@londo");
  auto hits = metric(other, "cruddur_cache_hits_total");
  (void)get_json(other, "/api/activities/@londo");
  EXPECT_EQ(metric(other, "cruddur_cache_hits_total") - hits, 1.0);

  expect_writes_visible(http(), other, "written on A");
  expect_writes_visible(other, http(), "written on B");
  EXPECT_EQ(metric(http(), "cruddur_cache_errors_total"), 0.0);
  EXPECT_EQ(metric(other, "cruddur_cache_errors_total"), 0.0);
  expect_secret_not_logged(kRedisPassword);
}

TEST_F(CacheApiTest, AHungOrDeadRedisNeverFailsOrSlowsReadsNorWrites) {
  OwnRedis redis(kRedisPassword);
  restart_server({{"CACHE_URL", redis_url(redis)}});
  std::map<std::string, std::string> expected;
  for (const auto& target :
       {std::string("/api/activities/home"), std::string("/api/activities/@altbrown"),
        show_target("altbrown", kSeedAlt)}) {
    warm(http(), target);
    expected[target] = http().get(target).body;
  }

  redis.pause();  // SIGSTOP: connections stay open, nothing answers
  expect_reads_unharmed(expected);
  EXPECT_GT(metric(http(), "cruddur_cache_timeouts_total"), 0.0);
  expect_create_answered_and_visible("while redis hangs");
  redis.kill();
  auto errors = metric(http(), "cruddur_cache_errors_total");
  // The dead cache is no longer in the way: the write above is visible.
  expected["/api/activities/home"] = http().get("/api/activities/home").body;
  expect_reads_unharmed(expected);
  EXPECT_GT(metric(http(), "cruddur_cache_errors_total"), errors);
  expect_create_answered_and_visible("while redis is down");
  EXPECT_GE(metric(http(), "cruddur_cache_invalidation_failures_total"), 2.0);
  EXPECT_GT(metric(http(), "cruddur_cache_invalidation_retry_pending"), 0.0);

  redis.start();  // back, empty: the server reconnects (backoff up to 2 s) and caches again
  auto hits = metric(http(), "cruddur_cache_hits_total");
  auto deadline = Clock::now() + std::chrono::seconds(20);
  while (metric(http(), "cruddur_cache_hits_total") == hits && Clock::now() < deadline) {
    (void)http().get("/api/activities/@londo");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_GT(metric(http(), "cruddur_cache_hits_total"), hits) << "the cache came back";
  expect_missed_deletes_retried("while redis is down");
  auto created =
      http().post("/api/activities", R"({"message":"redis is back","ttl":"1-day"})", moto_bearer());
  EXPECT_EQ(created.status, 200u) << created.body;
  expect_secret_not_logged(kRedisPassword);
}

TEST_F(CacheApiTest, MomentoThroughItsHttpApiCachesInvalidatesAndFailsOpen) {
  FakeMomento momento(kMomentoToken);  // a FAKE of Momento's HTTP API (no emulator exists)
  std::map<std::string, std::string> settings{{"CACHE_URL", "momento://feeds"},
                                              {"MOMENTO_API_KEY", kMomentoToken},
                                              {"MOMENTO_ENDPOINT", momento.base_url()},
                                              {"CACHE_TTL_SECONDS", "90"}};
  seed_full_page();
  restart_server(settings);
  auto other = second_server(settings);
  warm(http(), "/api/activities/home");
  auto cached = http().get("/api/activities/home");
  ASSERT_FALSE(next_cursor(cached).empty());
  EXPECT_EQ(momento.stored("feeds", "v1:home"), next_cursor(cached) + "\n" + cached.body)
      << "the home page is stored as its Link cursor, a newline, then the JSON";
  EXPECT_EQ(momento.ttl_of("feeds", "v1:home"), 90) << "CACHE_TTL_SECONDS, in seconds";
  expect_writes_visible(http(), other, "through momento");

  for (unsigned status : {401u, 429u, 503u}) {
    momento.force_status(status);
    auto home = http().get("/api/activities/home");
    EXPECT_EQ(home.status, 200u) << status << ": " << home.body;
    expect_create_answered_and_visible("while momento answers " + std::to_string(status));
  }
  EXPECT_GE(metric(http(), "cruddur_cache_errors_total"), 6.0);
  momento.force_status(std::nullopt);
  // The home page stored before the failures is still in Momento: the retried delete clears it.
  expect_missed_deletes_retried("while momento answers 503");
  warm(http(), "/api/activities/home");
  EXPECT_NE(momento.stored("feeds", "v1:home"), std::nullopt);
  auto created = http().post("/api/activities", R"({"message":"momento is back","ttl":"1-day"})",
                             moto_bearer());
  EXPECT_EQ(created.status, 200u) << created.body;
  EXPECT_EQ(momento.stored("feeds", "v1:home"), std::nullopt) << "deleted by the create";
  expect_secret_not_logged(kMomentoToken);
}

}  // namespace
