// AwsClient and the credentials chain against a small fake AWS endpoint (named a fake: no real
// service throttles or fails on demand): retries with backoff and their bound, typed errors,
// signing, and container credentials refreshed before they expire.
#include "cruddur/aws/aws_client.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "cruddur/aws/attribute_value.hpp"
#include "cruddur/aws/aws_error.hpp"
#include "cruddur/aws/dynamodb.hpp"
#include "cruddur/aws/dynamodb_streams.hpp"
#include "cruddur/net/http_client.hpp"
#include "run_awaitable.hpp"
#include "scripted_server.hpp"

namespace cruddur::aws {
namespace {

using namespace std::chrono_literals;
using test::ScriptedRequest;
using test::ScriptedResponse;
using test::ScriptedServer;

ScriptedResponse answer(unsigned status, std::string body) {
  ScriptedResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers.emplace_back("Content-Type", "application/x-amz-json-1.0");
  return response;
}

ScriptedResponse throttled() {
  return answer(400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ThrottlingException",)"
                     R"("message":"Rate of requests exceeds the allowed throughput."})");
}

core::EnvLookup keys_env() {
  return core::map_env(
      {{"AWS_ACCESS_KEY_ID", "AKIDFAKE"}, {"AWS_SECRET_ACCESS_KEY", "fake-secret-never-logged"}});
}

AwsClientOptions fake_options(const ScriptedServer& server) {
  AwsClientOptions options;
  options.endpoint_url = "http://127.0.0.1:" + std::to_string(server.port());
  options.backoff_base = 1ms;
  options.backoff_cap = 5ms;
  options.max_attempts = 4;
  options.budget = 30s;  // generous: the bound under test is the number of attempts
  return options;
}

// The fake DynamoDB: answers the first `failures` requests with `failure`, then 200 `{}`.
struct FakeDynamo {
  explicit FakeDynamo(int failing, ScriptedResponse (*failure)())
      : failures(failing), server([this, failure](const ScriptedRequest& request) {
          std::lock_guard lock(mutex);
          requests.push_back(request);
          if (static_cast<int>(requests.size()) <= failures) return failure();
          return answer(200, R"({"TableNames":["a","b"]})");
        }) {}

  std::size_t count() {
    std::lock_guard lock(mutex);
    return requests.size();
  }

  int failures;
  std::mutex mutex;
  std::vector<ScriptedRequest> requests;
  ScriptedServer server;
};

ScriptedResponse server_error() {
  return answer(500, R"({"__type":"InternalServerError","message":"boom"})");
}

TEST(AwsClientTest, ThrottlingIsRetriedWithBackoffAndSucceeds) {
  FakeDynamo fake(3, throttled);
  asio::io_context io;
  AwsClient client(io.get_executor(), fake_options(fake.server), keys_env());
  DynamoDb dynamo(client);
  auto tables = test::run_awaitable(io, dynamo.list_tables());
  EXPECT_EQ(tables, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(fake.count(), 4u);
  EXPECT_EQ(client.stats().retries_throttled, 3u);
  // Every attempt is signed anew and names the operation.
  std::lock_guard lock(fake.mutex);
  for (const auto& request : fake.requests) {
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.headers.at("x-amz-target"), "DynamoDB_20120810.ListTables");
    EXPECT_EQ(request.headers.at("content-type"), "application/x-amz-json-1.0");
    EXPECT_EQ(request.headers.at("authorization").rfind("AWS4-HMAC-SHA256 Credential=AKIDFAKE/", 0),
              0u);
    EXPECT_NE(request.headers.at("authorization").find("/us-east-1/dynamodb/aws4_request"),
              std::string::npos);
  }
}

TEST(AwsClientTest, ThrottlingThatNeverEndsStopsAtTheAttemptBound) {
  FakeDynamo fake(1000, throttled);
  asio::io_context io;
  AwsClient client(io.get_executor(), fake_options(fake.server), keys_env());
  try {
    test::run_awaitable(io, client.call(dynamodb_service(), "ListTables", "{}"));
    FAIL() << "expected aws_throttled";
  } catch (const AwsError& error) {
    EXPECT_EQ(error.code(), "aws_throttled");
    EXPECT_EQ(error.type(), "ThrottlingException");
    EXPECT_EQ(std::string(error.what()).find("fake-secret"), std::string::npos);
  }
  EXPECT_EQ(fake.count(), 4u);
  EXPECT_EQ(client.stats().failures, 1u);
}

TEST(AwsClientTest, ServerErrorsAreRetriedThenUnavailable) {
  FakeDynamo fake(1000, server_error);
  asio::io_context io;
  auto options = fake_options(fake.server);
  options.max_attempts = 3;
  AwsClient client(io.get_executor(), options, keys_env());
  try {
    test::run_awaitable(io, client.call(dynamodb_service(), "ListTables", "{}"));
    FAIL() << "expected aws_unavailable";
  } catch (const AwsError& error) {
    EXPECT_EQ(error.code(), "aws_unavailable");
    EXPECT_EQ(error.status(), 500u);
  }
  EXPECT_EQ(fake.count(), 3u);
  EXPECT_EQ(client.stats().retries_server, 2u);
}

TEST(AwsClientTest, ClientErrorsAreNotRetriedAndAreTypedByTheirType) {
  ScriptedServer server([](const ScriptedRequest&) {
    return answer(400, R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",)"
                       R"("message":"Requested resource not found"})");
  });
  asio::io_context io;
  AwsClient client(io.get_executor(), fake_options(server), keys_env());
  DynamoDb dynamo(client);
  try {
    test::run_awaitable(io, dynamo.describe_table("missing"));
    FAIL() << "expected aws_not_found";
  } catch (const AwsError& error) {
    EXPECT_EQ(error.code(), "aws_not_found");
    EXPECT_EQ(error.type(), "ResourceNotFoundException");
  }
  EXPECT_EQ(server.connections(), 1);
  EXPECT_EQ(client.stats().attempts, 1u);
}

TEST(AwsClientTest, CancellationReasonsAreKept) {
  ScriptedServer server([](const ScriptedRequest&) {
    return answer(
        400, R"({"__type":"com.amazonaws.dynamodb.v20120810#TransactionCanceledException",)"
             R"("message":"Transaction cancelled","CancellationReasons":[{"Code":"None"},)"
             R"({"Code":"ConditionalCheckFailed","Message":"The conditional request failed"}]})");
  });
  asio::io_context io;
  AwsClient client(io.get_executor(), fake_options(server), keys_env());
  DynamoDb dynamo(client);
  std::vector<TransactItem> items;
  items.emplace_back(PutItemRequest{"t", {{"pk", AttributeValue::string("a")}}, {}, {}, {}});
  try {
    test::run_awaitable(io, dynamo.transact_write(std::move(items), "token-1"));
    FAIL() << "expected TransactionCanceled";
  } catch (const TransactionCanceled& error) {
    ASSERT_EQ(error.reasons().size(), 2u);
    EXPECT_EQ(error.reasons()[0].code, "None");
    EXPECT_EQ(error.reasons()[1].code, "ConditionalCheckFailed");
    EXPECT_TRUE(error.only_conditions_failed());
  }
}

TEST(AwsClientTest, AnUnansweredAttemptTimesOutAndTheCallStaysWithinItsAttempts) {
  std::atomic<int> seen{0};
  ScriptedServer server([&seen](const ScriptedRequest&) {
    ++seen;
    ScriptedResponse slow = answer(200, "{}");
    slow.delay = 3s;
    return slow;
  });
  asio::io_context io;
  auto options = fake_options(server);
  options.attempt_timeout = 200ms;
  options.max_attempts = 2;
  AwsClient client(io.get_executor(), options, keys_env());
  try {
    test::run_awaitable(io, client.call(dynamodb_service(), "ListTables", "{}"));
    FAIL() << "expected aws_unavailable";
  } catch (const AwsError& error) {
    EXPECT_EQ(error.code(), "aws_unavailable");
    EXPECT_EQ(error.type(), "RequestTimeout");
  }
  EXPECT_EQ(client.stats().attempts, 2u);
}

TEST(AwsClientTest, NoCredentialsIsAClearError) {
  asio::io_context io;
  AwsClientOptions options;  // real AWS endpoint: no dummy keys
  AwsClient client(io.get_executor(), options, core::map_env({}));
  try {
    test::run_awaitable(io, client.call(dynamodb_service(), "ListTables", "{}"));
    FAIL() << "expected aws_no_credentials";
  } catch (const AwsError& error) {
    EXPECT_EQ(error.code(), "aws_no_credentials");
    EXPECT_NE(std::string(error.what()).find("AWS_ACCESS_KEY_ID"), std::string::npos);
  }
}

std::string iso(std::chrono::system_clock::time_point time) {
  auto seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

TEST(CredentialsProviderTest, ContainerCredentialsAreRefreshedBeforeTheyExpire) {
  auto start = std::chrono::system_clock::now();
  std::atomic<int> fetches{0};
  std::string authorization_seen;
  std::mutex mutex;
  ScriptedServer endpoint([&](const ScriptedRequest& request) {
    int n = ++fetches;
    {
      std::lock_guard lock(mutex);
      authorization_seen =
          request.headers.count("authorization") ? request.headers.at("authorization") : "";
    }
    auto expiration = iso(start + std::chrono::minutes(10 * n));
    return answer(200, R"({"AccessKeyId":"ASIA)" + std::to_string(n) + R"(","SecretAccessKey":"s)"
                           + std::to_string(n) + R"(","Token":"t)" + std::to_string(n)
                           + R"(","Expiration":")" + expiration + R"("})");
  });
  asio::io_context io;
  net::HttpClient http(io.get_executor());
  std::atomic<long> offset_minutes{0};
  CredentialsOptions options;
  options.now = [&] { return start + std::chrono::minutes(offset_minutes.load()); };
  CredentialsProvider provider(
      http,
      core::map_env({{"AWS_CONTAINER_CREDENTIALS_FULL_URI",
                      "http://127.0.0.1:" + std::to_string(endpoint.port()) + "/creds"},
                     {"AWS_CONTAINER_AUTHORIZATION_TOKEN", "container-token"}}),
      options);
  auto first = test::run_awaitable(io, provider.get());
  EXPECT_EQ(first.access_key_id, "ASIA1");
  EXPECT_EQ(first.session_token, std::optional<std::string>("t1"));
  EXPECT_EQ(first.source, "container");
  {
    std::lock_guard lock(mutex);
    EXPECT_EQ(authorization_seen, "container-token");
  }
  // Within their life: cached.
  offset_minutes = 4;
  EXPECT_EQ(test::run_awaitable(io, provider.get()).access_key_id, "ASIA1");
  EXPECT_EQ(fetches.load(), 1);
  // Less than 5 minutes left: fetched again before they expire.
  offset_minutes = 6;
  EXPECT_EQ(test::run_awaitable(io, provider.get()).access_key_id, "ASIA2");
  EXPECT_EQ(fetches.load(), 2);
}

TEST(CredentialsProviderTest, TheEnvironmentComesFirst) {
  asio::io_context io;
  net::HttpClient http(io.get_executor());
  CredentialsProvider provider(
      http, core::map_env({{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                           {"AWS_SECRET_ACCESS_KEY", "secret"},
                           {"AWS_SESSION_TOKEN", "token"},
                           {"AWS_LAMBDA_FUNCTION_NAME", "cruddur-post-confirmation"},
                           {"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/never"}}));
  auto credentials = test::run_awaitable(io, provider.get());
  EXPECT_EQ(credentials.access_key_id, "AKIDENV");
  EXPECT_EQ(credentials.session_token, std::optional<std::string>("token"));
  EXPECT_EQ(credentials.source, "lambda environment");
}

TEST(AttributeValueTest, EveryTypeRoundTripsAndNumbersStayText) {
  auto wire = nlohmann::json::parse(R"({
    "s": {"S": "héllo"}, "n": {"N": "123456789012345678901234567890.5"}, "b": {"B": "AAEC/w=="},
    "t": {"BOOL": true}, "z": {"NULL": true},
    "m": {"M": {"inner": {"L": [{"N": "-1e5"}, {"S": ""}]}}},
    "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]}, "bs": {"BS": ["AA==", "AQI="]}})");
  auto item = item_from_json(wire);
  EXPECT_EQ(item.at("n").text(), "123456789012345678901234567890.5");
  EXPECT_EQ(item.at("b").text(), std::string("\x00\x01\x02\xff", 4));
  EXPECT_EQ(item.at("m").as_map().at("inner").as_list().at(0).text(), "-1e5");
  EXPECT_EQ(item_to_json(item), wire);
  EXPECT_EQ(item_from_json(item_to_json(item)), item);
}

TEST(AttributeValueTest, MalformedValuesAreRefused) {
  for (const char* bad :
       {R"({"N": "12a"})", R"({"N": 12})", R"({"S": "a", "N": "1"})", R"({})", R"({"B": "A"})",
        R"({"B": "A*=="})", R"({"SS": []})", R"({"NS": ["x"]})", R"({"NULL": false})",
        R"({"Q": "x"})", R"({"L": {}})", R"({"M": []})", R"("S")"}) {
    SCOPED_TRACE(bad);
    EXPECT_THROW(AttributeValue::from_json(nlohmann::json::parse(bad)), AttributeValueError);
  }
  std::string deep = R"({"S":"x"})";
  for (int i = 0; i < 40; ++i) deep = R"({"L":[)" + deep + "]}";
  EXPECT_THROW(AttributeValue::from_json(nlohmann::json::parse(deep)), AttributeValueError);
}

TEST(StreamsTest, SequenceNumbersCompareAsNumbers) {
  EXPECT_LT(compare_sequence_numbers("999", "1000"), 0);
  EXPECT_GT(compare_sequence_numbers("100000000000000000000000000002", "99999999999999999999"), 0);
  EXPECT_EQ(compare_sequence_numbers("00042", "42"), 0);
}

}  // namespace
}  // namespace cruddur::aws
