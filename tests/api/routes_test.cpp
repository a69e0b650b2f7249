// The API routes over real HTTP against real Postgres: feeds, pagination, search, profile, show,
// create, reply, notifications and profile updates, each with its error paths.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <set>

#include "api_fixture.hpp"
#include "cruddur/core/base64url.hpp"

namespace {

using cruddur::test::activity_keys;
using cruddur::test::ApiTest;
using cruddur::test::HttpReply;
using cruddur::test::kCognitoHandle;
using cruddur::test::keys_of;
using nlohmann::json;

constexpr const char* kSeedAndrew = "0a7c5d84-7d1e-4b8e-8f0e-5e1d2c3b0001";
constexpr const char* kSeedAlt = "0a7c5d84-7d1e-4b8e-8f0e-5e1d2c3b0002";

// A 200 whose body is a JSON array of activities with exactly the feed's fields.
json activity_array(const HttpReply& reply) {
  EXPECT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(reply.header("Content-Type"), "application/json");
  auto body = reply.json();
  EXPECT_TRUE(body.is_array()) << reply.body;
  for (const auto& activity : body) EXPECT_EQ(keys_of(activity), activity_keys()) << activity;
  return body;
}

std::vector<std::string> uuids(const json& activities) {
  std::vector<std::string> out;
  for (const auto& activity : activities) out.push_back(activity.at("uuid").get<std::string>());
  return out;
}

// The target inside `Link: <target>; rel="next"`, empty when there is none.
std::string next_link(const HttpReply& reply) {
  auto link = reply.header("Link");
  if (link.empty()) return {};
  EXPECT_NE(link.find("rel=\"next\""), std::string::npos) << link;
  auto open = link.find('<');
  auto close = link.find('>');
  EXPECT_TRUE(open == 0 && close != std::string::npos) << link;
  return link.substr(open + 1, close - open - 1);
}

void expect_422(const HttpReply& reply, const json& codes) {
  EXPECT_EQ(reply.status, 422u) << reply.body;
  EXPECT_EQ(reply.json(), codes) << reply.body;
}

void expect_error(const HttpReply& reply, unsigned status, const std::string& code) {
  EXPECT_EQ(reply.status, status) << reply.body;
  auto body = reply.json();
  EXPECT_EQ(keys_of(body), (std::vector<std::string>{"code", "message"})) << reply.body;
  EXPECT_EQ(body.value("code", ""), code) << reply.body;
  EXPECT_TRUE(body.at("message").is_string());
}

void expect_unauthorized(const HttpReply& reply) {
  EXPECT_EQ(reply.status, 401u) << reply.body;
  EXPECT_EQ(reply.json(), json::object()) << reply.body;
}

TEST_F(ApiTest, HealthCheckAndReady) {
  auto health = http().get("/api/health-check");
  EXPECT_EQ(health.status, 200u);
  EXPECT_EQ(health.json(), (json{{"success", true}, {"ver", 1}}));
  auto ready = http().get("/api/ready");
  EXPECT_EQ(ready.status, 200u);
  EXPECT_EQ(ready.json(), (json{{"ready", true}}));
}

TEST_F(ApiTest, HomeFeedShowsTheSeedNewestFirstToAnonymousAndSignedInCallers) {
  for (const auto& authorization : {std::string(), std::string("Bearer null"), moto_bearer()}) {
    auto feed = activity_array(http().get("/api/activities/home", authorization));
    ASSERT_EQ(feed.size(), 2u) << feed;
    auto ids = uuids(feed);
    std::set<std::string> found{ids.begin(), ids.end()};
    EXPECT_EQ(found, (std::set<std::string>{kSeedAndrew, kSeedAlt}));
    EXPECT_GE(feed[0].at("created_at").get<std::string>(),
              feed[1].at("created_at").get<std::string>());
    for (const auto& activity : feed) {
      EXPECT_EQ(activity.at("replies_count"), 0);
      EXPECT_TRUE(activity.at("reply_to_activity_uuid").is_null());
    }
  }
}

TEST_F(ApiTest, ExpiredActivitiesAreHiddenEverywhere) {
  auto expired = sql_value(
      "INSERT INTO activities (user_uuid, message, expires_at, created_at) "
      "SELECT uuid, 'ghostly expired crud', now() - interval '1 minute', now() - interval '1 hour' "
      "FROM users WHERE handle = 'andrewbrown' RETURNING uuid");
  auto home = activity_array(http().get("/api/activities/home?limit=100"));
  EXPECT_EQ(home.size(), 2u) << home;
  EXPECT_EQ(activity_array(http().get("/api/activities/search?term=ghostly")), json::array());
  auto profile = http().get("/api/activities/@andrewbrown");
  ASSERT_EQ(profile.status, 200u);
  auto profile_body = profile.json();  // a named value: the loop must not outlive a temporary
  for (const auto& activity : profile_body.at("activities")) {
    EXPECT_NE(activity.at("uuid"), expired);
  }
  expect_error(http().get("/api/activities/@andrewbrown/status/" + expired), 404, "not_found");
  expect_error(
      http().post("/api/activities/" + expired + "/reply", R"({"message":"late"})", moto_bearer()),
      404, "not_found");
  EXPECT_EQ(sql_value("SELECT replies_count FROM activities WHERE uuid = $1", {expired}), "0");
}

TEST_F(ApiTest, HomeFeedPagesWithKeysetCursorsAndLinkNext) {
  // 45 cruds a minute apart and 5 sharing one created_at (the uuid breaks the tie) + the seed.
  sql("INSERT INTO activities (user_uuid, message, expires_at, created_at) "
      "SELECT (SELECT uuid FROM users WHERE handle = 'bayko'), 'page crud ' || g, "
      "now() + interval '1 day', now() - g * interval '1 minute' FROM generate_series(1, 45) g");
  sql("INSERT INTO activities (user_uuid, message, expires_at, created_at) "
      "SELECT (SELECT uuid FROM users WHERE handle = 'londo'), 'same time ' || g, "
      "now() + interval '1 day', now() - interval '20 minutes' FROM generate_series(1, 5) g");
  auto expected = json::parse(
      sql_value("SELECT json_agg(uuid ORDER BY created_at DESC, uuid DESC) FROM activities "
                "WHERE expires_at > now()"));
  ASSERT_EQ(expected.size(), 52u);

  auto first = http().get("/api/activities/home");
  auto first_page = activity_array(first);
  EXPECT_EQ(first_page.size(), 20u) << "the default limit is 20";
  std::vector<std::string> walked = uuids(first_page);
  auto target = next_link(first);
  ASSERT_FALSE(target.empty()) << "a full page carries Link rel=next";
  EXPECT_EQ(target.rfind("/api/activities/home?limit=20&before=", 0), 0u) << target;
  std::vector<std::size_t> sizes{first_page.size()};
  for (int pages = 0; !target.empty() && pages < 10; ++pages) {
    auto reply = http().get(target);
    auto page = activity_array(reply);
    sizes.push_back(page.size());
    for (auto& uuid : uuids(page)) walked.push_back(uuid);
    target = next_link(reply);
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{20, 20, 12}));
  EXPECT_EQ(json(walked), expected) << "pages are disjoint, complete and newest first";

  auto all = http().get("/api/activities/home?limit=100");
  EXPECT_EQ(uuids(activity_array(all)), walked);
  EXPECT_FALSE(all.has_header("Link")) << "a page that is not full is the last";
  auto small = http().get("/api/activities/home?limit=52");
  EXPECT_EQ(activity_array(small).size(), 52u);
  auto after_last = next_link(small);
  ASSERT_FALSE(after_last.empty());
  EXPECT_EQ(activity_array(http().get(after_last)), json::array());
}

TEST_F(ApiTest, HomeFeedRefusesBadPagingWithEveryCode) {
  expect_422(http().get("/api/activities/home?limit=101"), {"limit_invalid"});
  expect_422(http().get("/api/activities/home?limit=0"), {"limit_invalid"});
  expect_422(http().get("/api/activities/home?limit=ten"), {"limit_invalid"});
  expect_422(http().get("/api/activities/home?limit=-1"), {"limit_invalid"});
  expect_422(http().get("/api/activities/home?before=not-a-cursor"), {"before_invalid"});
  // A well-formed base64url cursor that does not hold `time|uuid`.
  expect_422(http().get("/api/activities/home?before=aGVsbG8"), {"before_invalid"});
  expect_422(http().get("/api/activities/home?limit=500&before=%25%25"),
             {"limit_invalid", "before_invalid"});
  EXPECT_EQ(activity_array(http().get("/api/activities/home?limit=1")).size(), 1u);
}

// A cursor is opaque but client-supplied: a well-formed `time|uuid` whose time Postgres cannot
// read is the client's mistake (422), not a 500.
TEST_F(ApiTest, HomeFeedRefusesCraftedCursorsWhoseTimeIsNotATimestamp) {
  const std::string uuid = "|0a7c5d84-7d1e-4b8e-8f0e-5e1d2c3b0001";
  for (const auto* time : {"2026-13-45", "99999999999", "1", "::::", "2026-02-30T00:00:00+00:00",
                           "2026-11-24T25:00:00+00:00", "2026-11-24T03:48:20.1234567+00:00",
                           "2026-11-24 03:48:20+99:00"}) {
    auto cursor = cruddur::core::base64url_encode(time + uuid);
    expect_422(http().get("/api/activities/home?before=" + cursor), {"before_invalid"});
  }
  // What Postgres itself writes is accepted, with and without fractional seconds.
  for (const auto* time : {"2026-11-24T03:48:20.890695+00:00", "2026-11-24T03:48:20+00:00",
                           "2026-11-24T03:48:20.5-03:30"}) {
    auto cursor = cruddur::core::base64url_encode(time + uuid);
    auto reply = http().get("/api/activities/home?before=" + cursor);
    EXPECT_EQ(reply.status, 200u) << time << ": " << reply.body;
  }
}

TEST_F(ApiTest, SearchMatchesCaseInsensitivelyAndTakesWildcardsLiterally) {
  sql("INSERT INTO activities (user_uuid, message, expires_at) "
      "SELECT uuid, m, now() + interval '1 day' FROM users, "
      "(VALUES ('100% Crudful day'), ('a crudful_thing')) AS v(m) WHERE handle = 'londo'");
  auto found = activity_array(http().get("/api/activities/search?term=CRUDFUL"));
  EXPECT_EQ(found.size(), 2u) << found;
  auto percent = activity_array(http().get("/api/activities/search?term=100%25"));
  ASSERT_EQ(percent.size(), 1u) << percent;
  EXPECT_EQ(percent[0].at("message"), "100% Crudful day");
  EXPECT_EQ(percent[0].at("handle"), "londo");
  auto underscore = activity_array(http().get("/api/activities/search?term=crudful_"));
  ASSERT_EQ(underscore.size(), 1u) << underscore;
  EXPECT_EQ(activity_array(http().get("/api/activities/search?term=seed+data")).size(), 1u);
  EXPECT_EQ(activity_array(http().get("/api/activities/search?term=nothing-like-this")),
            json::array());
  expect_422(http().get("/api/activities/search"), {"search_term_blank"});
  expect_422(http().get("/api/activities/search?term="), {"search_term_blank"});
  expect_422(http().get("/api/activities/search?term=+++"), {"search_term_blank"});
}

TEST_F(ApiTest, ProfileHasTheUserAndTheirLiveActivitiesWithCrudsCount) {
  auto reply = http().get("/api/activities/@andrewbrown");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  auto body = reply.json();
  EXPECT_EQ(keys_of(body), (std::vector<std::string>{"activities", "profile"}));
  const auto& profile = body.at("profile");
  EXPECT_EQ(keys_of(profile), (std::vector<std::string>{"bio", "cognito_user_uuid", "cruds_count",
                                                        "display_name", "handle", "uuid"}));
  EXPECT_EQ(profile.at("handle"), "andrewbrown");
  EXPECT_EQ(profile.at("display_name"), "Andrew Brown");
  EXPECT_EQ(profile.at("cognito_user_uuid"), "MOCK-andrewbrown");
  EXPECT_EQ(profile.at("cruds_count"), 1);
  ASSERT_EQ(body.at("activities").size(), 1u);
  EXPECT_EQ(body.at("activities")[0].at("uuid"), kSeedAndrew);
  EXPECT_EQ(keys_of(body.at("activities")[0]), activity_keys());

  auto created =
      http().post("/api/activities", R"({"message":"my first crud","ttl":"1-day"})", moto_bearer());
  ASSERT_EQ(created.status, 200u) << created.body;
  auto mine = http().get(std::string("/api/activities/@") + kCognitoHandle).json();
  EXPECT_EQ(mine.at("profile").at("cruds_count"), 1);
  EXPECT_EQ(mine.at("profile").at("cognito_user_uuid"), cruddur::test::moto_cognito().at("sub"));
  ASSERT_EQ(mine.at("activities").size(), 1u);
  EXPECT_EQ(mine.at("activities")[0].at("message"), "my first crud");

  expect_error(http().get("/api/activities/@nobody-here"), 404, "not_found");
  // An empty handle matches no route.
  expect_error(http().get("/api/activities/@"), 404, "not_found");
  expect_error(http().get("/api/users/@/short"), 404, "not_found");
}

TEST_F(ApiTest, ShortProfileHasExactlyUuidHandleAndDisplayName) {
  auto reply = http().get("/api/users/@altbrown/short");
  ASSERT_EQ(reply.status, 200u) << reply.body;
  auto body = reply.json();
  EXPECT_EQ(keys_of(body), (std::vector<std::string>{"display_name", "handle", "uuid"}));
  EXPECT_EQ(body.at("handle"), "altbrown");
  EXPECT_EQ(body.at("display_name"), "Alt Brown");
  EXPECT_EQ(body.at("uuid"), "6f1b3a2e-0c3e-4d1a-9a57-0d6a2c3f0002");
  expect_error(http().get("/api/users/@ghost/short"), 404, "not_found");
  expect_error(http().get("/api/users/@%E2%82%AC/short"), 404, "not_found");
}

TEST_F(ApiTest, CreateReturnsTheActivityAndHonoursTheTtl) {
  auto reply = http().post("/api/activities", R"({"message":"hello from moto","ttl":"7-days"})",
                           moto_bearer());
  ASSERT_EQ(reply.status, 200u) << reply.body;
  auto activity = reply.json();
  EXPECT_EQ(keys_of(activity), activity_keys());
  EXPECT_EQ(activity.at("handle"), kCognitoHandle);
  EXPECT_EQ(activity.at("display_name"), "Cognito Tester");
  EXPECT_EQ(activity.at("message"), "hello from moto");
  EXPECT_EQ(activity.at("replies_count"), 0);
  EXPECT_TRUE(activity.at("reply_to_activity_uuid").is_null());
  auto uuid = activity.at("uuid").get<std::string>();
  EXPECT_EQ(
      sql_value("SELECT (expires_at - created_at)::text FROM activities WHERE uuid = $1", {uuid}),
      "7 days");
  auto home = activity_array(http().get("/api/activities/home"));
  ASSERT_FALSE(home.empty());
  EXPECT_EQ(home[0].at("uuid"), uuid) << "the new crud tops the feed";

  for (const auto& [ttl, interval] :
       std::vector<std::pair<std::string, std::string>>{{"30-days", "30 days"},
                                                        {"3-days", "3 days"},
                                                        {"1-day", "1 day"},
                                                        {"12-hours", "12:00:00"},
                                                        {"3-hours", "03:00:00"},
                                                        {"1-hour", "01:00:00"}}) {
    auto created = http().post("/api/activities",
                               json{{"message", "ttl " + ttl}, {"ttl", ttl}}.dump(), moto_bearer());
    ASSERT_EQ(created.status, 200u) << ttl << ": " << created.body;
    EXPECT_EQ(sql_value("SELECT (expires_at - created_at)::text FROM activities WHERE uuid = $1",
                        {created.json().at("uuid").get<std::string>()}),
              interval)
        << ttl;
  }
  // 280 code points of two bytes each are within the limit.
  std::string long_message;
  for (int i = 0; i < 280; ++i) long_message += "\xC3\xA9";
  auto at_limit = http().post(
      "/api/activities", json{{"message", long_message}, {"ttl", "1-hour"}}.dump(), moto_bearer());
  EXPECT_EQ(at_limit.status, 200u) << at_limit.body;
}

TEST_F(ApiTest, CreateValidatesEveryFieldAndRequiresSignIn) {
  auto post = [this](const std::string& body) {
    return http().post("/api/activities", body, moto_bearer());
  };
  expect_422(post("{}"), {"message_blank", "ttl_blank"});
  expect_422(post(R"({"message":"  \n","ttl":"1-day"})"), {"message_blank"});
  expect_422(post(R"({"message":"hi","ttl":"2-days"})"), {"ttl_invalid"});
  expect_422(post(json{{"message", std::string(281, 'x')}, {"ttl", "1-day"}}.dump()),
             {"message_exceed_max_chars"});
  expect_422(post(R"({"message":5,"ttl":["1-day"]})"), {"message_invalid", "ttl_invalid"});
  expect_422(post(R"({"message":null,"ttl":""})"), {"message_blank", "ttl_blank"});
  expect_error(post(R"({"message":"hi","ttl":)"), 400, "invalid_json");
  expect_error(post(R"(["message","hi"])"), 400, "invalid_json");
  expect_error(post(""), 400, "invalid_json");
  expect_error(post("{\"message\":\"\xFF\xFE\",\"ttl\":\"1-day\"}"), 400, "invalid_json");

  auto body = R"({"message":"hi","ttl":"1-day"})";
  expect_unauthorized(http().post("/api/activities", body));
  expect_unauthorized(http().post("/api/activities", body, "Bearer null"));
  expect_unauthorized(http().post("/api/activities", body, "Basic dXNlcjpwYXNz"));
  expect_unauthorized(http().post("/api/activities", body, "Bearer not.a.jwt"));
  EXPECT_EQ(sql_value("SELECT count(*) FROM activities"), "2") << "nothing was inserted";
}

// Postgres text cannot hold NUL and libpq passes text parameters as C strings: a `\u0000` in a
// JSON string must be refused, never silently cut there.
TEST_F(ApiTest, NulCharactersInJsonStringsAreRefusedNotTruncated) {
  expect_422(
      http().post("/api/activities", R"({"message":"ab\u0000cd","ttl":"1-day"})", moto_bearer()),
      {"message_invalid"});
  expect_422(
      http().post("/api/activities", R"({"message":"ok","ttl":"1-day\u0000"})", moto_bearer()),
      {"ttl_invalid"});
  expect_422(http().post(std::string("/api/activities/") + kSeedAlt + "/reply",
                         R"({"message":"\u0000"})", moto_bearer()),
             {"message_invalid"});
  expect_422(http().request("PUT", "/api/profile/update", {{"Authorization", moto_bearer()}},
                            R"({"display_name":"A\u0000B","bio":"x\u0000"})"),
             {"display_name_invalid", "bio_invalid"});
  EXPECT_EQ(sql_value("SELECT count(*) FROM activities"), "2");
  EXPECT_EQ(sql_value("SELECT display_name FROM users WHERE handle = $1", {kCognitoHandle}),
            "Cognito Tester");
}

TEST_F(ApiTest, ACallerWithoutAUsersRowIsForbiddenNotCrashed) {
  auto token = dev_bearer_for_sub("sub-with-no-user");
  expect_error(http().post("/api/activities", R"({"message":"hi","ttl":"1-day"})", token), 403,
               "forbidden");
  expect_error(http().request("PUT", "/api/profile/update", {{"Authorization", token}},
                              R"({"display_name":"X"})"),
               403, "forbidden");
  expect_error(http().post(std::string("/api/activities/") + kSeedAlt + "/reply",
                           R"({"message":"hi"})", token),
               404, "not_found");
  EXPECT_EQ(activity_array(http().get("/api/activities/notifications", token)), json::array());
}

TEST_F(ApiTest, ReplyBumpsRepliesCountAndShowListsRepliesOldestFirst) {
  auto first = http().post(std::string("/api/activities/") + kSeedAlt + "/reply",
                           R"({"message":"first reply"})", moto_bearer());
  ASSERT_EQ(first.status, 200u) << first.body;
  auto reply = first.json();
  EXPECT_EQ(keys_of(reply), activity_keys());
  EXPECT_EQ(reply.at("reply_to_activity_uuid"), kSeedAlt);
  EXPECT_EQ(reply.at("handle"), kCognitoHandle);
  EXPECT_EQ(reply.at("message"), "first reply");
  auto second = http().post(std::string("/api/activities/") + kSeedAlt + "/reply",
                            R"({"message":"second reply"})", dev_bearer("bayko"));
  ASSERT_EQ(second.status, 200u) << second.body;
  EXPECT_EQ(second.json().at("handle"), "bayko");
  // A reply vanishes with its thread: it carries its parent's expires_at (never null), and so
  // does a reply to the reply.
  const std::string parent_expiry = "SELECT to_json(expires_at) FROM activities WHERE uuid = $1";
  auto thread_expires = json::parse(sql_value(parent_expiry, {std::string(kSeedAlt)}));
  ASSERT_TRUE(thread_expires.is_string());
  EXPECT_EQ(reply.at("expires_at"), thread_expires);
  auto nested = http().post("/api/activities/" + reply.at("uuid").get<std::string>() + "/reply",
                            R"({"message":"reply to the reply"})", dev_bearer("londo"));
  ASSERT_EQ(nested.status, 200u) << nested.body;
  EXPECT_EQ(nested.json().at("expires_at"), thread_expires);
  EXPECT_EQ(json::parse(sql_value(parent_expiry, {nested.json().at("uuid").get<std::string>()})),
            thread_expires);

  auto show = http().get(std::string("/api/activities/@altbrown/status/") + kSeedAlt);
  ASSERT_EQ(show.status, 200u) << show.body;
  auto body = show.json();
  EXPECT_EQ(keys_of(body), (std::vector<std::string>{"activity", "replies"}));
  EXPECT_EQ(keys_of(body.at("activity")), activity_keys());
  EXPECT_EQ(body.at("activity").at("uuid"), kSeedAlt);
  EXPECT_EQ(body.at("activity").at("replies_count"), 2);
  ASSERT_EQ(body.at("replies").size(), 2u);
  EXPECT_EQ(body.at("replies")[0].at("message"), "first reply");
  EXPECT_EQ(body.at("replies")[1].at("message"), "second reply");
  for (const auto& item : body.at("replies")) EXPECT_EQ(keys_of(item), activity_keys());

  auto home = activity_array(http().get("/api/activities/home?limit=100"));
  for (const auto& activity : home) {
    if (activity.at("uuid") == kSeedAlt) {
      EXPECT_EQ(activity.at("replies_count"), 2);
    }
  }
  auto plain = http().get(std::string("/api/activities/@andrewbrown/status/") + kSeedAndrew).json();
  EXPECT_EQ(plain.at("replies"), json::array());
}

// Migration 20261203000001: replies stored before a reply carried its parent's expires_at take
// their thread's, down the thread; a thread that never expires leaves its replies' NULL alone.
TEST_F(ApiTest, MigrationGivesOldRepliesTheirThreadsExpiry) {
  const std::string insert_reply =
      "INSERT INTO activities (user_uuid, message, reply_to_activity_uuid) "
      "SELECT uuid, 'old reply', $1 FROM users WHERE handle = 'bayko' RETURNING uuid";
  auto old_reply = sql_value(insert_reply, {std::string(kSeedAlt)});
  auto old_nested = sql_value(insert_reply, {old_reply});
  auto forever = sql_value(
      "INSERT INTO activities (user_uuid, message) "
      "SELECT uuid, 'never expires' FROM users WHERE handle = 'londo' RETURNING uuid");
  auto forever_reply = sql_value(insert_reply, {forever});
  std::ifstream up(std::string(CRUDDUR_SOURCE_DIR)
                   + "/db/migrations/20261203000001_replies_expire_with_their_thread.up.sql");
  std::string migration((std::istreambuf_iterator<char>(up)), std::istreambuf_iterator<char>());
  ASSERT_FALSE(migration.empty());
  sql(migration);
  const std::string expiry =
      "SELECT coalesce(expires_at::text, 'null') FROM activities WHERE uuid = $1";
  auto thread = sql_value(expiry, {std::string(kSeedAlt)});
  EXPECT_EQ(sql_value(expiry, {old_reply}), thread);
  EXPECT_EQ(sql_value(expiry, {old_nested}), thread);
  EXPECT_EQ(sql_value(expiry, {forever_reply}), "null");
}

// Percent-escapes that decode to invalid UTF-8 can name no user and match no message: Postgres
// would refuse the bytes, which must not surface as a 500.
TEST_F(ApiTest, InvalidUtf8InPathsAndQueriesIsAClientErrorNot500) {
  for (const auto* target : {"/api/activities/@%FF", "/api/users/@%FF/short",
                             "/api/activities/@%C3%28/status/0a7c5d84-7d1e-4b8e-8f0e-5e1d2c3b0002",
                             "/api/activities/@%ED%A0%80", "/api/activities/@%C0%AF"}) {
    expect_error(http().get(target), 404, "not_found");
  }
  expect_422(http().get("/api/activities/search?term=%FF"), {"search_term_blank"});
  expect_422(http().get("/api/activities/search?term=caf%C3"), {"search_term_blank"});
  auto valid = http().get("/api/activities/search?term=caf%C3%A9");
  EXPECT_EQ(valid.status, 200u) << "valid UTF-8 is still searched: " << valid.body;
  EXPECT_EQ(http().get("/api/users/@%E2%82%AC/short").status, 404u);
}

TEST_F(ApiTest, ShowAndReplyAnswer404ForUnknownOrMalformedIds) {
  const std::string unknown = "0a7c5d84-7d1e-4b8e-8f0e-5e1d2c3bffff";
  expect_error(http().get("/api/activities/@altbrown/status/" + unknown), 404, "not_found");
  expect_error(http().get(std::string("/api/activities/@andrewbrown/status/") + kSeedAlt), 404,
               "not_found");  // somebody else's crud
  expect_error(http().get(std::string("/api/activities/@ghost/status/") + kSeedAlt), 404,
               "not_found");
  for (const auto& bad : {"not-a-uuid", "0a7c5d84-7d1e-4b8e-8f0e-5e1d2c3b000g", "1%27%20OR%201=1",
                          "0a7c5d847d1e4b8e8f0e5e1d2c3b0001", "%ZZ"}) {
    auto show = http().get(std::string("/api/activities/@altbrown/status/") + bad);
    EXPECT_EQ(show.status, 404u) << bad << ": " << show.body;
    auto reply = http().post(std::string("/api/activities/") + bad + "/reply",
                             R"({"message":"hi"})", moto_bearer());
    EXPECT_EQ(reply.status, 404u) << bad << ": " << reply.body;
    EXPECT_TRUE(reply.json().is_object()) << reply.body;
  }
  expect_error(
      http().post("/api/activities/" + unknown + "/reply", R"({"message":"hi"})", moto_bearer()),
      404, "not_found");
}

TEST_F(ApiTest, ReplyValidatesItsMessageAndRequiresSignIn) {
  auto target = std::string("/api/activities/") + kSeedAlt + "/reply";
  expect_422(http().post(target, R"({"message":""})", moto_bearer()), {"message_blank"});
  expect_422(http().post(target, "{}", moto_bearer()), {"message_blank"});
  expect_422(http().post(target, R"({"message":42})", moto_bearer()), {"message_invalid"});
  expect_422(http().post(target, json{{"message", std::string(1025, 'r')}}.dump(), moto_bearer()),
             {"message_exceed_max_chars_1024"});
  EXPECT_EQ(
      http().post(target, json{{"message", std::string(1024, 'r')}}.dump(), moto_bearer()).status,
      200u);
  expect_error(http().post(target, "{nope", moto_bearer()), 400, "invalid_json");
  expect_unauthorized(http().post(target, R"({"message":"hi"})"));
  expect_unauthorized(http().post(target, R"({"message":"hi"})", "Bearer null"));
  EXPECT_EQ(sql_value("SELECT replies_count FROM activities WHERE uuid = $1", {kSeedAlt}), "1");
}

TEST_F(ApiTest, NotificationsAreRepliesByOthersToTheCallersActivities) {
  auto mine =
      http().post("/api/activities", R"({"message":"talk to me","ttl":"1-day"})", moto_bearer());
  ASSERT_EQ(mine.status, 200u) << mine.body;
  auto target = "/api/activities/" + mine.json().at("uuid").get<std::string>() + "/reply";
  auto from_alt = http().post(target, R"({"message":"hi from alt"})", dev_bearer("altbrown"));
  ASSERT_EQ(from_alt.status, 200u) << from_alt.body;
  ASSERT_EQ(http().post(target, R"({"message":"talking to myself"})", moto_bearer()).status, 200u);
  ASSERT_EQ(http()
                .post(std::string("/api/activities/") + kSeedAndrew + "/reply",
                      R"({"message":"not for the tester"})", dev_bearer("londo"))
                .status,
            200u);

  auto notifications = activity_array(http().get("/api/activities/notifications", moto_bearer()));
  ASSERT_EQ(notifications.size(), 1u) << notifications;
  EXPECT_EQ(notifications[0].at("uuid"), from_alt.json().at("uuid"));
  EXPECT_EQ(notifications[0].at("handle"), "altbrown");
  EXPECT_EQ(notifications[0].at("message"), "hi from alt");

  auto andrew =
      activity_array(http().get("/api/activities/notifications", dev_bearer("andrewbrown")));
  ASSERT_EQ(andrew.size(), 1u) << andrew;
  EXPECT_EQ(andrew[0].at("handle"), "londo");
  expect_unauthorized(http().get("/api/activities/notifications"));
  expect_unauthorized(http().get("/api/activities/notifications", "Bearer null"));
}

TEST_F(ApiTest, ProfileUpdateByPutAndPostAnswersTheShortProfile) {
  for (const auto& method : {"PUT", "POST"}) {
    auto display = std::string("Tester by ") + method;
    auto reply = http().request(
        method, "/api/profile/update", {{"Authorization", moto_bearer()}},
        json{{"bio", "bio via " + std::string(method)}, {"display_name", display}}.dump());
    ASSERT_EQ(reply.status, 200u) << method << ": " << reply.body;
    auto body = reply.json();
    EXPECT_EQ(keys_of(body), (std::vector<std::string>{"display_name", "handle", "uuid"}));
    EXPECT_EQ(body.at("handle"), kCognitoHandle);
    EXPECT_EQ(body.at("display_name"), display);
    auto profile = http().get(std::string("/api/activities/@") + kCognitoHandle).json();
    EXPECT_EQ(profile.at("profile").at("bio"), "bio via " + std::string(method));
    EXPECT_EQ(profile.at("profile").at("display_name"), display);
  }
  auto cleared = http().request("PUT", "/api/profile/update", {{"Authorization", moto_bearer()}},
                                R"({"display_name":"No Bio"})");
  ASSERT_EQ(cleared.status, 200u) << cleared.body;
  EXPECT_TRUE(http()
                  .get(std::string("/api/activities/@") + kCognitoHandle)
                  .json()
                  .at("profile")
                  .at("bio")
                  .is_null());
}

TEST_F(ApiTest, ProfileUpdateValidatesAndRequiresSignIn) {
  auto put = [this](const std::string& body, const std::string& authorization) {
    return http().request("PUT", "/api/profile/update", {{"Authorization", authorization}}, body);
  };
  expect_422(put(R"({"bio":"x"})", moto_bearer()), {"display_name_blank"});
  expect_422(put(R"({"display_name":" "})", moto_bearer()), {"display_name_blank"});
  expect_422(put(R"({"display_name":7,"bio":false})", moto_bearer()),
             {"display_name_invalid", "bio_invalid"});
  expect_422(
      put(json{{"display_name", std::string(101, 'd')}, {"bio", std::string(1025, 'b')}}.dump(),
          moto_bearer()),
      {"display_name_exceed_max_chars", "bio_exceed_max_chars"});
  expect_error(put("[]", moto_bearer()), 400, "invalid_json");
  expect_unauthorized(put(R"({"display_name":"X"})", "Bearer null"));
  expect_unauthorized(http().post("/api/profile/update", R"({"display_name":"X"})"));
  EXPECT_EQ(sql_value("SELECT display_name FROM users WHERE handle = $1", {kCognitoHandle}),
            "Cognito Tester");
}

}  // namespace
