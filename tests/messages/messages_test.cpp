// The direct-message routes end to end: the real `cruddur serve` over HTTP, PostgreSQL, and
// DynamoDB on moto_server (a table per test made by `cruddur ddb schema-load`): conversations
// created, listed, continued and paged, membership, 422s and 404s, concurrent posts, DynamoDB
// stopped and back, `cruddur ddb`, and a Cognito user whose row the Lambda never made.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "api_fixture.hpp"
#include "own_moto.hpp"

namespace {

using cruddur::test::ApiTest;
using cruddur::test::HttpReply;
using cruddur::test::keys_of;
using cruddur::test::moto_cognito;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

const std::vector<std::string> kMessageKeys{"created_at", "display_name", "handle", "message",
                                            "uuid"};
const std::vector<std::string> kNewConversationKeys{"created_at", "display_name",       "handle",
                                                    "message",    "message_group_uuid", "uuid"};

std::string random_table() {
  std::random_device random;
  return "cruddur-messages-"
         + std::to_string(std::uniform_int_distribution<unsigned>(1, 1u << 30)(random));
}

json json_array(const HttpReply& reply) {
  EXPECT_EQ(reply.status, 200u) << reply.body;
  auto body = reply.json();
  EXPECT_TRUE(body.is_array()) << reply.body;
  for (const auto& entry : body) EXPECT_EQ(keys_of(entry), kMessageKeys) << entry;
  return body;
}

std::string next_link(const HttpReply& reply) {
  auto link = reply.header("Link");
  if (link.empty()) return {};
  EXPECT_EQ(link.substr(link.find('>')), ">; rel=\"next\"") << link;
  return link.substr(1, link.find('>') - 1);
}

void expect_error(const HttpReply& reply, unsigned status, const std::string& code) {
  EXPECT_EQ(reply.status, status) << reply.body;
  auto body = reply.json();
  EXPECT_EQ(body.value("code", ""), code) << reply.body;
}

class MessagesTest : public ApiTest {
 protected:
  MessagesTest()
      : endpoint_(cruddur::test::required_env("CRUDDUR_TEST_MOTO_URL")), table_(random_table()) {}

  void SetUp() override {
    ApiTest::SetUp();
    if (HasFatalFailure()) return;
    auto loaded = run_cruddur({"ddb", "schema-load"}, ddb_env());
    ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
    andrew_ = dev_bearer("andrewbrown");
    bayko_ = dev_bearer("bayko");
    londo_ = dev_bearer("londo");
  }

  void TearDown() override {
    if (!endpoint_.empty()) run_cruddur({"ddb", "drop"}, ddb_env());
    ApiTest::TearDown();
  }

  [[nodiscard]] std::map<std::string, std::string> server_env(std::uint16_t port) const override {
    auto env = ApiTest::server_env(port);
    env["AWS_ENDPOINT_URL"] = endpoint_;
    env["DDB_MESSAGE_TABLE"] = table_;
    return env;
  }

  [[nodiscard]] std::map<std::string, std::string> ddb_env() const {
    return {{"AWS_ENDPOINT_URL", endpoint_}, {"DDB_MESSAGE_TABLE", table_}};
  }

  HttpReply post(const json& body, const std::string& token) const {
    return http().post("/api/messages", body.dump(), token);
  }

  // Every item of the table, by `cruddur ddb scan`.
  std::vector<json> scan_items() const {
    auto scanned = run_cruddur({"ddb", "scan"}, ddb_env());
    EXPECT_EQ(scanned.exit_code, 0) << scanned.err;
    std::vector<json> items;
    std::istringstream lines(scanned.out);
    for (std::string line; std::getline(lines, line);) items.push_back(json::parse(line));
    return items;
  }

  std::string endpoint_;
  std::string table_;
  std::string andrew_, bayko_, londo_;
};

TEST_F(MessagesTest, AConversationIsCreatedListedAndContinued) {
  auto created = post({{"message", "Hello Bayko"}, {"handle", "bayko"}}, andrew_);
  ASSERT_EQ(created.status, 200u) << created.body;
  auto first = created.json();
  EXPECT_EQ(keys_of(first), kNewConversationKeys);
  EXPECT_EQ(first.at("handle"), "andrewbrown");
  EXPECT_EQ(first.at("display_name"), "Andrew Brown");
  EXPECT_EQ(first.at("message"), "Hello Bayko");
  auto created_at = first.at("created_at").get<std::string>();
  EXPECT_EQ(created_at.substr(created_at.size() - 6), "+00:00") << "times carry their offset";
  auto group = first.at("message_group_uuid").get<std::string>();

  // Both participants see it at once, each with the other's name.
  auto andrews = json_array(http().get("/api/message_groups", andrew_));
  ASSERT_EQ(andrews.size(), 1u);
  EXPECT_EQ(andrews[0], (json{{"uuid", group},
                              {"display_name", "Andrew Bayko"},
                              {"handle", "bayko"},
                              {"message", "Hello Bayko"},
                              {"created_at", created_at}}));
  auto baykos = json_array(http().get("/api/message_groups", bayko_));
  ASSERT_EQ(baykos.size(), 1u);
  EXPECT_EQ(baykos[0].at("handle"), "andrewbrown");

  // Continued by its uuid: the answer is the message, without the group.
  auto reply = post({{"message", "Hi Andrew"}, {"message_group_uuid", group}}, bayko_);
  ASSERT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(keys_of(reply.json()), kMessageKeys);
  EXPECT_EQ(reply.json().at("handle"), "bayko");
  for (const auto* token : {&andrew_, &bayko_}) {
    auto groups = json_array(http().get("/api/message_groups", *token));
    ASSERT_EQ(groups.size(), 1u);
    EXPECT_EQ(groups[0].at("message"), "Hi Andrew");
    EXPECT_EQ(groups[0].at("created_at"), reply.json().at("created_at"));
  }
  // A new post by handle continues the same conversation.
  auto again = post({{"message", "Still there?"}, {"handle", "bayko"}}, andrew_);
  ASSERT_EQ(again.status, 200u) << again.body;
  EXPECT_EQ(again.json().at("message_group_uuid"), group);

  auto messages = json_array(http().get("/api/messages/" + group, bayko_));
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0].at("message"), "Hello Bayko");
  EXPECT_EQ(messages[0].at("uuid"), first.at("uuid"));
  EXPECT_EQ(messages[1].at("message"), "Hi Andrew");
  EXPECT_EQ(messages[2].at("message"), "Still there?");
  EXPECT_LT(messages[0].at("created_at").get<std::string>(),
            messages[1].at("created_at").get<std::string>());
  // Exactly one GRP item per participant, whatever the number of posts.
  int grp_items = 0;
  for (const auto& item : scan_items()) {
    auto pk = item.at("pk").at("S").get<std::string>();
    if (pk.rfind("GRP#", 0) == 0) ++grp_items;
    if (pk.rfind("MSG#", 0) == 0) {
      for (const char* name : {"message_group_uuid", "message_uuid", "user_uuid", "created_at"}) {
        EXPECT_TRUE(item.contains(name)) << "MSG item without " << name << ": " << item;
      }
    }
  }
  EXPECT_EQ(grp_items, 2);
}

TEST_F(MessagesTest, OnlyMembersReadOrPostAndUnknownsAre404) {
  auto created = post({{"message", "Private"}, {"handle", "bayko"}}, andrew_);
  ASSERT_EQ(created.status, 200u) << created.body;
  auto group = created.json().at("message_group_uuid").get<std::string>();
  expect_error(http().get("/api/messages/" + group, londo_), 404, "not_found");
  expect_error(post({{"message", "Let me in"}, {"message_group_uuid", group}}, londo_), 404,
               "not_found");
  EXPECT_EQ(json_array(http().get("/api/message_groups", londo_)), json::array());
  expect_error(http().get("/api/messages/00000000-0000-4000-8000-000000000000", andrew_), 404,
               "not_found");
  expect_error(http().get("/api/messages/not-a-uuid", andrew_), 404, "not_found");
  expect_error(post({{"message", "Hi"}, {"message_group_uuid", "nope"}}, andrew_), 404,
               "not_found");
  expect_error(post({{"message", "Hi"}, {"handle", "nobody-here"}}, andrew_), 404, "not_found");
  EXPECT_EQ(http().get("/api/message_groups").status, 401u);
  EXPECT_EQ(http().get("/api/messages/" + group, "Bearer null").status, 401u);
  EXPECT_EQ(http().post("/api/messages", R"({"message":"x","handle":"bayko"})").status, 401u);
  // The messages of the members are untouched.
  EXPECT_EQ(json_array(http().get("/api/messages/" + group, bayko_)).size(), 1u);
}

TEST_F(MessagesTest, InvalidPostsListEveryFailingCode) {
  auto expect_422 = [](const HttpReply& reply, const json& codes) {
    EXPECT_EQ(reply.status, 422u) << reply.body;
    EXPECT_EQ(reply.json(), codes) << reply.body;
  };
  expect_422(post(json::object(), andrew_), json{"message_blank", "message_group_uuid_blank"});
  expect_422(post({{"message", "  "}, {"handle", ""}}, andrew_),
             json{"message_blank", "user_reciever_handle_blank"});
  expect_422(post({{"message", ""}, {"handle", "andrewbrown"}}, andrew_),
             json{"message_blank", "cannot_message_yourself"});
  std::string long_text;
  for (int i = 0; i < 1025; ++i) long_text += "é";  // 1025 code points, 2050 bytes
  expect_422(post({{"message", long_text}, {"handle", "bayko"}}, andrew_),
             json{"message_exceed_max_chars_1024"});
  long_text.resize(long_text.size() - 2);  // 1024 code points are fine
  EXPECT_EQ(post({{"message", long_text}, {"handle", "bayko"}}, andrew_).status, 200u);
  expect_422(post({{"message", 5}, {"handle", "bayko"}}, andrew_), json{"message_invalid"});
  EXPECT_EQ(http().post("/api/messages", "{not json", andrew_).status, 400u);
  expect_422(http().get("/api/message_groups?limit=0", andrew_), json{"limit_invalid"});
  expect_422(http().get("/api/message_groups?limit=20&before=xyz", andrew_),
             json{"before_invalid"});
}

TEST_F(MessagesTest, ListsPageWithLimitBeforeAndLink) {
  // Four conversations for andrew, the newest last; seven messages in the last one.
  std::vector<std::string> groups;
  for (const auto* handle : {"altbrown", "bayko", "londo", cruddur::test::kCognitoHandle}) {
    auto reply = post({{"message", std::string("to ") + handle}, {"handle", handle}}, andrew_);
    ASSERT_EQ(reply.status, 200u) << reply.body;
    groups.push_back(reply.json().at("message_group_uuid"));
  }
  std::vector<std::string> seen;
  std::string target = "/api/message_groups?limit=3";
  int pages = 0;
  while (!target.empty() && pages < 10) {
    auto reply = http().get(target, andrew_);
    for (const auto& group : json_array(reply)) seen.push_back(group.at("uuid"));
    target = next_link(reply);
    ++pages;
  }
  EXPECT_EQ(pages, 2);
  EXPECT_EQ(seen, (std::vector<std::string>{groups[3], groups[2], groups[1], groups[0]}));

  std::vector<std::string> sent;
  for (int i = 0; i < 6; ++i) {
    auto reply =
        post({{"message", "m" + std::to_string(i)}, {"message_group_uuid", groups[3]}}, andrew_);
    ASSERT_EQ(reply.status, 200u) << reply.body;
  }
  // Pages of 3 from the newest back; each page oldest first.
  std::vector<std::string> texts;
  target = "/api/messages/" + groups[3] + "?limit=3";
  pages = 0;
  while (!target.empty() && pages < 10) {
    auto reply = http().get(target, andrew_);
    auto page = json_array(reply);
    std::vector<std::string> page_texts;
    for (const auto& message : page) page_texts.push_back(message.at("message"));
    texts.insert(texts.begin(), page_texts.begin(), page_texts.end());
    target = next_link(reply);
    ++pages;
  }
  EXPECT_EQ(texts,
            (std::vector<std::string>{"to cognitotester", "m0", "m1", "m2", "m3", "m4", "m5"}));
  EXPECT_GE(pages, 3);
}

// Against a moto that answers one request at a time (scripts/moto-serialized.py says why:
// moto's own TransactWriteItems is not atomic under concurrent requests; DynamoDB's is).
TEST_F(MessagesTest, ConcurrentPostsNeverLoseOrDuplicateAMessage) {
  cruddur::test::OwnMoto moto(
      cruddur::test::OwnMoto::Serialized{CRUDDUR_PYTHON, CRUDDUR_MOTO_SERIALIZED_SCRIPT});
  endpoint_ = moto.url();  // the server, the table and `cruddur ddb scan` all use it
  ASSERT_EQ(run_cruddur({"ddb", "schema-load"}, ddb_env()).exit_code, 0);
  auto server = start_server();
  cruddur::test::HttpClient client(server.port);
  auto send = [&client](const json& body, const std::string& token) {
    return client.post("/api/messages", body.dump(), token);
  };
  // Every post has its own text. A loaded machine may answer some 503 messages_unavailable (the
  // DynamoDB budget ran out; such a post may or may not be stored): what is checked is that every
  // acknowledged message is stored, nothing is stored twice or made up, and the conversation's
  // items agree with what is stored.
  std::set<std::string> sent;
  std::map<std::string, std::string> acknowledged;  // uuid → text
  auto record = [&](const HttpReply& reply, const std::string& text) {
    if (reply.status == 200u) {
      acknowledged[reply.json().at("uuid").get<std::string>()] = text;
    } else {
      expect_error(reply, 503, "messages_unavailable");
    }
  };
  // Both start "their" conversation at the same moment: one group comes out.
  std::vector<HttpReply> openers(4);
  {
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < 4; ++i) {
      threads.emplace_back([&, i] {
        auto text = "open " + std::to_string(i);
        openers[i] = i % 2 == 0 ? send({{"message", text}, {"handle", "bayko"}}, andrew_)
                                : send({{"message", text}, {"handle", "andrewbrown"}}, bayko_);
      });
    }
    for (auto& thread : threads) thread.join();
  }
  std::set<std::string> group_uuids;
  for (std::size_t i = 0; i < openers.size(); ++i) {
    sent.insert("open " + std::to_string(i));
    record(openers[i], "open " + std::to_string(i));
    if (openers[i].status == 200u) {
      group_uuids.insert(openers[i].json().at("message_group_uuid").get<std::string>());
    }
  }
  ASSERT_EQ(group_uuids.size(), 1u) << "no opener succeeded, or they made several conversations";
  auto group = *group_uuids.begin();

  constexpr std::size_t kThreads = 4;
  constexpr int kPosts = 6;
  std::vector<std::vector<std::pair<std::string, HttpReply>>> replies(kThreads);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const auto& token = t % 2 == 0 ? andrew_ : bayko_;
      for (int i = 0; i < kPosts; ++i) {
        auto text = "t" + std::to_string(t) + "-" + std::to_string(i);
        replies[t].emplace_back(text,
                                send({{"message", text}, {"message_group_uuid", group}}, token));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::size_t continued = 0;
  for (const auto& list : replies) {
    for (const auto& [text, reply] : list) {
      sent.insert(text);
      record(reply, text);
      continued += reply.status == 200u ? 1 : 0;
    }
  }
  EXPECT_GE(continued, kThreads) << "too few concurrent posts got through to prove anything";

  auto messages = json_array(client.get("/api/messages/" + group + "?limit=100", andrew_));
  std::map<std::string, std::string> stored;  // uuid → text
  std::set<std::string> stored_texts;
  for (const auto& message : messages) {
    auto text = message.at("message").get<std::string>();
    stored[message.at("uuid").get<std::string>()] = text;
    EXPECT_TRUE(stored_texts.insert(text).second) << "stored twice: " << text;
    EXPECT_EQ(sent.count(text), 1u) << "stored but never sent: " << text;
  }
  for (const auto& [uuid, text] : acknowledged) {
    auto found = stored.find(uuid);
    ASSERT_NE(found, stored.end()) << "acknowledged but lost: " << text;
    EXPECT_EQ(found->second, text);
  }
  // Both group items name the conversation's latest message; there are exactly two of them.
  for (const auto* token : {&andrew_, &bayko_}) {
    auto groups = json_array(client.get("/api/message_groups", *token));
    ASSERT_EQ(groups.size(), 1u);
    EXPECT_EQ(groups[0].at("message"), messages.back().at("message"));
    EXPECT_EQ(groups[0].at("created_at"), messages.back().at("created_at"));
  }
  int grp_items = 0;
  for (const auto& item : scan_items()) {
    auto pk = item.at("pk").at("S").get<std::string>();
    if (pk.rfind("GRP#", 0) == 0) ++grp_items;
    if (pk.rfind("GROUP#", 0) == 0) {
      EXPECT_EQ(item.at("version").at("N"), std::to_string(stored.size()));
    }
  }
  EXPECT_EQ(grp_items, 2);
  server.process->signal(SIGTERM);
  EXPECT_EQ(server.process->wait_exit(std::chrono::seconds(30)), std::optional<int>(0));
  run_cruddur({"ddb", "drop"}, ddb_env());
  endpoint_ = cruddur::test::required_env("CRUDDUR_TEST_MOTO_URL");  // TearDown drops its table
}

TEST_F(MessagesTest, DynamoDbStoppedIs503WithinTheBudgetAndMessagesComeBack) {
  cruddur::test::OwnMoto moto;
  auto own_env = ddb_env();
  own_env["AWS_ENDPOINT_URL"] = moto.url();
  ASSERT_EQ(run_cruddur({"ddb", "schema-load"}, own_env).exit_code, 0);
  auto server = start_server({{"AWS_ENDPOINT_URL", moto.url()}});
  cruddur::test::HttpClient client(server.port);
  auto sent = client.post("/api/messages", R"({"message":"before","handle":"bayko"})", andrew_);
  ASSERT_EQ(sent.status, 200u) << sent.body;
  auto group = sent.json().at("message_group_uuid").get<std::string>();

  auto expect_unavailable = [&](const HttpReply& reply, Clock::time_point started) {
    expect_error(reply, 503, "messages_unavailable");
    // The AWS budget is 2.5 s; 10 s is a loaded machine's margin, not a speed test.
    EXPECT_LT(Clock::now() - started, std::chrono::seconds(10));
  };
  moto.pause();  // hung: connections accepted, nothing answers
  auto started = Clock::now();
  expect_unavailable(client.get("/api/message_groups", andrew_), started);
  started = Clock::now();
  expect_unavailable(client.post("/api/messages", R"({"message":"x","handle":"bayko"})", andrew_),
                     started);
  // Everything else is unaffected.
  EXPECT_EQ(client.get("/api/health-check").status, 200u);
  EXPECT_EQ(client.get("/api/activities/home").status, 200u);
  EXPECT_EQ(
      client.post("/api/activities", R"({"message":"still here","ttl":"1-day"})", andrew_).status,
      200u);

  moto.kill();  // down: connections refused
  started = Clock::now();
  expect_unavailable(client.get("/api/messages/" + group, andrew_), started);

  moto.start();  // back on the same port, empty: the table is missing
  auto missing = client.get("/api/message_groups", andrew_);
  expect_error(missing, 503, "messages_unavailable");
  EXPECT_NE(missing.body.find("table does not exist"), std::string::npos) << missing.body;
  ASSERT_EQ(run_cruddur({"ddb", "schema-load"}, own_env).exit_code, 0);
  auto after = client.post("/api/messages", R"({"message":"after","handle":"bayko"})", andrew_);
  ASSERT_EQ(after.status, 200u) << after.body;
  EXPECT_EQ(json_array(client.get("/api/message_groups", bayko_)).at(0).at("message"), "after");
  server.process->signal(SIGTERM);
  EXPECT_EQ(server.process->wait_exit(std::chrono::seconds(30)), std::optional<int>(0));
}

TEST_F(MessagesTest, DdbCommandsWorkAndExplainFailures) {
  auto seeded = run_cruddur({"ddb", "seed"}, ddb_env());
  ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
  EXPECT_NE(seeded.err.find("seeded a conversation of 5 messages"), std::string::npos)
      << seeded.err;
  EXPECT_NE(run_cruddur({"ddb", "seed"}, ddb_env()).err.find("already there"), std::string::npos);
  auto listed = run_cruddur({"ddb", "conversations", "bayko"}, ddb_env());
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  auto group = listed.out.substr(0, 36);
  EXPECT_NE(listed.out.find("(@andrewbrown)"), std::string::npos) << listed.out;
  auto conversation = run_cruddur({"ddb", "conversation", group}, ddb_env());
  ASSERT_EQ(conversation.exit_code, 0) << conversation.err;
  EXPECT_EQ(std::count(conversation.out.begin(), conversation.out.end(), '\n'), 5);
  // The API sees the seed too.
  EXPECT_EQ(json_array(http().get("/api/messages/" + group, bayko_)).size(), 5u);
  auto tables = run_cruddur({"ddb", "list-tables"}, ddb_env());
  EXPECT_NE(tables.out.find(table_ + "\n"), std::string::npos);

  auto no_endpoint = run_cruddur({"ddb", "list-tables"}, {{"AWS_ENDPOINT_URL", ""}});
  EXPECT_EQ(no_endpoint.exit_code, 2);
  EXPECT_NE(no_endpoint.err.find("set AWS_ENDPOINT_URL"), std::string::npos) << no_endpoint.err;
  auto refused = run_cruddur({"ddb", "drop", "prod"}, ddb_env());
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--allow-production"), std::string::npos) << refused.err;
  auto unreachable = ddb_env();
  unreachable["AWS_ENDPOINT_URL"] =
      "http://127.0.0.1:" + std::to_string(cruddur::test::free_port());
  auto down = run_cruddur({"ddb", "scan"}, unreachable);
  EXPECT_EQ(down.exit_code, 2);
  EXPECT_NE(down.err.find("cannot reach DynamoDB"), std::string::npos) << down.err;
  auto other_table = ddb_env();
  other_table["DDB_MESSAGE_TABLE"] = "no-such-table";
  auto missing = run_cruddur({"ddb", "scan"}, other_table);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("run `cruddur ddb schema-load`"), std::string::npos) << missing.err;
}

// Issue 14 item 7: a confirmed Cognito user whose post-confirmation Lambda never ran.
TEST_F(MessagesTest, ACognitoUserWithoutARowGetsItFromGetUser) {
  const auto& cognito = moto_cognito();
  auto made = cruddur::test::run_process({CRUDDUR_PYTHON, CRUDDUR_MOTO_COGNITO_USER_SCRIPT,
                                          endpoint_, cognito.at("pool_id").get<std::string>(),
                                          cognito.at("client_id").get<std::string>(), "newcomer"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto user = json::parse(made.out);
  auto token = "Bearer " + user.at("access_token").get<std::string>();
  auto sub = user.at("sub").get<std::string>();
  ASSERT_EQ(sql_value("SELECT count(*) FROM users WHERE cognito_user_id = $1", {sub}), "0");

  // Cognito unreachable: 503 with a reason, not 403; nothing is written.
  auto unreachable = start_server(
      {{"AWS_ENDPOINT_URL", "http://127.0.0.1:" + std::to_string(cruddur::test::free_port())}});
  cruddur::test::HttpClient down(unreachable.port);
  expect_error(down.post("/api/activities", R"({"message":"first","ttl":"1-day"})", token), 503,
               "cognito_unavailable");
  EXPECT_EQ(sql_value("SELECT count(*) FROM users WHERE cognito_user_id = $1", {sub}), "0");
  unreachable.process->signal(SIGTERM);
  EXPECT_EQ(unreachable.process->wait_exit(std::chrono::seconds(30)), std::optional<int>(0));

  // Cognito answers: the first write makes the row exactly as the Lambda would, then succeeds.
  auto created = http().post("/api/activities", R"({"message":"first","ttl":"1-day"})", token);
  ASSERT_EQ(created.status, 200u) << created.body;
  EXPECT_EQ(created.json().at("handle"), "newcomer");
  EXPECT_EQ(sql_value("SELECT display_name || '|' || email || '|' || handle FROM users "
                      "WHERE cognito_user_id = $1",
                      {sub}),
            "New Newcomer|newcomer@example.com|newcomer");
  // The Lambda's own insert of the same user afterwards changes nothing (idempotent with it).
  sql("INSERT INTO users (display_name, email, handle, cognito_user_id) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (cognito_user_id) DO NOTHING",
      {"Other", "x@example.com", "newcomer", sub});
  EXPECT_EQ(sql_value("SELECT count(*) FROM users WHERE cognito_user_id = $1", {sub}), "1");
  auto message = post({{"message", "hello"}, {"handle", "bayko"}}, token);
  ASSERT_EQ(message.status, 200u) << message.body;
  EXPECT_EQ(message.json().at("handle"), "newcomer");
}

}  // namespace
