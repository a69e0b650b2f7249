// Hostile input over HTTP: slowloris clients cut off while others are served, bodies too large
// however they are framed, invalid UTF-8 in JSON bodies (refused, nothing stored) next to valid
// escapes (stored), and SQL-injection payloads (stored verbatim, returned verbatim, matching
// nothing but themselves).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "api_fixture.hpp"

namespace {

using cruddur::test::ApiTest;
using cruddur::test::HttpReply;
using cruddur::test::RawConnection;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kSeedAlt = "0a7c5d84-7d1e-4b8e-8f0e-5e1d2c3b0002";

const std::vector<std::string>& injection_payloads() {
  static const std::vector<std::string> payloads{"'); DROP TABLE activities; --",
                                                 "Robert'); DELETE FROM users WHERE ('1'='1",
                                                 "' OR '1'='1",
                                                 "\\'; SELECT pg_sleep(10); --",
                                                 "$1::text || $2 $$ dollar $$ quoting",
                                                 "%' OR 1=1 --",
                                                 "\"; COPY users TO PROGRAM 'true'; --",
                                                 "E'\\x27' /* comment */ ; ROLLBACK; COMMIT;"};
  return payloads;
}

TEST_F(ApiTest, SlowlorisClientsAreCutOffWhileOthersAreServed) {
  constexpr int kSlowClients = 20;
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < kSlowClients; ++i) {
    slow.push_back(std::make_unique<RawConnection>(http().port()));
    ASSERT_TRUE(slow.back()->send("GET /api/health-check HTTP/1.1\r\nHost: x\r\nX-Drip: "));
  }
  std::atomic<bool> dripping{true};
  std::atomic<int> cut_off{0};
  std::thread drip([&] {
    std::vector<bool> closed(slow.size(), false);
    while (dripping && cut_off < kSlowClients) {
      for (std::size_t i = 0; i < slow.size(); ++i) {
        if (closed[i]) continue;
        // One byte a second per client, never finishing the head.
        bool gone = !slow[i]->send("a") || slow[i]->read_until_closed(0s).closed;
        if (gone) {
          closed[i] = true;
          ++cut_off;
        }
      }
      std::this_thread::sleep_for(1s);
    }
  });
  // Meanwhile everyone else is served as usual.
  int served = 0;
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (cut_off < kSlowClients && std::chrono::steady_clock::now() < deadline) {
    auto started = std::chrono::steady_clock::now();
    auto reply = http().get("/api/activities/home");
    EXPECT_EQ(reply.status, 200u) << reply.body;
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << "starved by slow clients";
    ++served;
    std::this_thread::sleep_for(100ms);
  }
  dripping = false;
  drip.join();
  EXPECT_EQ(cut_off, kSlowClients) << "a client dripping a request head must be cut off";
  EXPECT_GT(served, 10);
}

TEST_F(ApiTest, OversizedChunkedAndAnnouncedBodiesAre413) {
  // Chunks adding up to more than 16 KiB.
  RawConnection chunked(http().port());
  std::string head =
      "POST /api/activities HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Authorization: "
      + moto_bearer() + "\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::string chunks;
  for (int i = 0; i < 20; ++i) chunks += "400\r\n" + std::string(1024, 'x') + "\r\n";
  (void)chunked.send(head + chunks + "0\r\n\r\n");
  auto received = chunked.read_until_closed(60s);
  EXPECT_EQ(received.bytes.rfind("HTTP/1.1 413", 0), 0u) << received.bytes;
  // A Content-Length of a terabyte is refused before any of it is sent.
  RawConnection announced(http().port());
  ASSERT_TRUE(announced.send(
      "POST /api/activities HTTP/1.1\r\nHost: x\r\nContent-Length: 1099511627776\r\n\r\n"));
  received = announced.read_until_closed(60s);
  EXPECT_EQ(received.bytes.rfind("HTTP/1.1 413", 0), 0u) << received.bytes;
  EXPECT_TRUE(received.closed);
  EXPECT_EQ(sql_value("SELECT count(*) FROM activities"), "2");
}

TEST_F(ApiTest, InvalidUtf8InJsonBodiesIsRefusedAndNothingIsStored) {
  const std::vector<std::string> bad_strings{
      "\xFF",              // never valid
      "\xC0\xAF",          // overlong "/"
      "ok \xE2\x82",       // truncated sequence
      "\xED\xA0\x80",      // a UTF-16 surrogate encoded as UTF-8
      "\xF4\x90\x80\x80",  // beyond U+10FFFF
      "\\ud800",           // a lone high surrogate escape
      "\\udc00 low",       // a lone low surrogate escape
  };
  for (const auto& bad : bad_strings) {
    auto create = http().post("/api/activities", R"({"message":")" + bad + R"(","ttl":"1-day"})",
                              moto_bearer());
    EXPECT_EQ(create.status, 400u) << bad << ": " << create.body;
    EXPECT_EQ(create.json().value("code", ""), "invalid_json") << create.body;
    auto reply = http().post(std::string("/api/activities/") + kSeedAlt + "/reply",
                             R"({"message":")" + bad + R"("})", moto_bearer());
    EXPECT_EQ(reply.status, 400u) << bad << ": " << reply.body;
    auto profile = http().request("PUT", "/api/profile/update", {{"Authorization", moto_bearer()}},
                                  R"({"display_name":"x","bio":")" + bad + R"("})");
    EXPECT_EQ(profile.status, 400u) << bad << ": " << profile.body;
  }
  EXPECT_EQ(sql_value("SELECT count(*) FROM activities"), "2") << "nothing was inserted";
  EXPECT_EQ(sql_value("SELECT coalesce(bio, '') FROM users WHERE handle = $1",
                      {cruddur::test::kCognitoHandle}),
            "");

  // Escapes of valid characters, surrogate pairs included, are stored as the characters.
  auto escaped =
      http().post("/api/activities", R"({"message":"caf\u00e9 \ud83d\ude00 \u2028","ttl":"1-day"})",
                  moto_bearer());
  ASSERT_EQ(escaped.status, 200u) << escaped.body;
  const std::string expected = "caf\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x80\xA8";
  EXPECT_EQ(escaped.json().at("message"), expected);
  EXPECT_EQ(sql_value("SELECT message FROM activities WHERE uuid = $1",
                      {escaped.json().at("uuid").get<std::string>()}),
            expected);
}

TEST_F(ApiTest, SqlInjectionPayloadsAreStoredAndReturnedVerbatim) {
  std::vector<std::string> uuids;
  for (const auto& payload : injection_payloads()) {
    auto created = http().post("/api/activities",
                               json{{"message", payload}, {"ttl", "1-day"}}.dump(), moto_bearer());
    ASSERT_EQ(created.status, 200u) << payload << ": " << created.body;
    EXPECT_EQ(created.json().at("message"), payload);
    uuids.push_back(created.json().at("uuid").get<std::string>());
    EXPECT_EQ(sql_value("SELECT message FROM activities WHERE uuid = $1", {uuids.back()}), payload);

    auto reply = http().post(std::string("/api/activities/") + kSeedAlt + "/reply",
                             json{{"message", payload}}.dump(), moto_bearer());
    ASSERT_EQ(reply.status, 200u) << payload << ": " << reply.body;
    EXPECT_EQ(reply.json().at("message"), payload);

    auto profile = http().request("PUT", "/api/profile/update", {{"Authorization", moto_bearer()}},
                                  json{{"display_name", payload}, {"bio", payload}}.dump());
    ASSERT_EQ(profile.status, 200u) << payload << ": " << profile.body;
    EXPECT_EQ(profile.json().at("display_name"), payload);
    EXPECT_EQ(sql_value("SELECT bio FROM users WHERE handle = $1", {cruddur::test::kCognitoHandle}),
              payload);
  }
  // Every table is intact and holds what was sent.
  EXPECT_EQ(sql_value("SELECT count(*) FROM users"), "5");
  auto sent = injection_payloads().size();
  EXPECT_EQ(sql_value("SELECT count(*) FROM activities"), std::to_string(2 + 2 * sent));

  auto home = http().get("/api/activities/home?limit=100");
  ASSERT_EQ(home.status, 200u);
  std::size_t found = 0;
  for (const auto& activity : home.json()) {
    for (const auto& payload : injection_payloads()) found += activity.at("message") == payload;
  }
  EXPECT_EQ(found, 2 * sent) << "each payload as a crud and as a reply, verbatim";
  auto show = http().get("/api/activities/@" + std::string(cruddur::test::kCognitoHandle)
                         + "/status/" + uuids.front());
  ASSERT_EQ(show.status, 200u) << show.body;
  EXPECT_EQ(show.json().at("activity").at("message"), injection_payloads().front());

  // In a search term or a handle a payload is just text: it matches itself or nothing.
  auto search = http().get("/api/activities/search?term=%27%20OR%20%271%27%3D%271");
  ASSERT_EQ(search.status, 200u) << search.body;
  ASSERT_EQ(search.json().size(), 2u) << "the crud and the reply: " << search.body;
  for (const auto& found_activity : search.json()) {
    EXPECT_EQ(found_activity.at("message"), "' OR '1'='1");
  }
  EXPECT_EQ(http().get("/api/activities/@x%27%20OR%20%271%27%3D%271").status, 404u);
  EXPECT_EQ(http().get("/api/users/@x%27%3B%20DROP%20TABLE%20users%3B--/short").status, 404u);
  EXPECT_EQ(sql_value("SELECT count(*) FROM users"), "5");
}

}  // namespace
