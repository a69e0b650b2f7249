// The DynamoDB and Streams clients against moto_server: every operation, pages, transactions,
// the stream of a table, and (on a private moto with request authentication on) keys checked.
#include <gtest/gtest.h>

#include <random>

#include "cruddur/aws/aws_client.hpp"
#include "cruddur/aws/aws_error.hpp"
#include "cruddur/aws/dynamodb.hpp"
#include "cruddur/aws/dynamodb_streams.hpp"
#include "own_moto.hpp"
#include "run_awaitable.hpp"
#include "subprocess.hpp"

namespace cruddur::aws {
namespace {

using nlohmann::json;

std::string unique_table() {
  std::random_device random;
  return "cruddur-test-"
         + std::to_string(std::uniform_int_distribution<unsigned>(1, 1u << 30)(random));
}

AttributeValue s(std::string text) {
  return AttributeValue::string(std::move(text));
}

json table_definition(const std::string& name) {
  auto definition = json::parse(R"({
    "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"},
                             {"AttributeName": "sk", "AttributeType": "S"},
                             {"AttributeName": "group", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                  {"AttributeName": "sk", "KeyType": "RANGE"}],
    "GlobalSecondaryIndexes": [{"IndexName": "by-group",
      "KeySchema": [{"AttributeName": "group", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"}],
      "Projection": {"ProjectionType": "ALL"}}],
    "BillingMode": "PAY_PER_REQUEST",
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}})");
  definition["TableName"] = name;
  return definition;
}

class DynamoDbMotoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AwsClientOptions options;
    options.endpoint_url = test::required_env("CRUDDUR_TEST_MOTO_URL");
    client_ = std::make_unique<AwsClient>(io_.get_executor(), options, core::map_env({}));
    dynamo_ = std::make_unique<DynamoDb>(*client_);
    table_ = unique_table();
    run(dynamo_->create_table(table_definition(table_)));
  }
  void TearDown() override { run(dynamo_->delete_table(table_)); }

  template <class T>
  T run(asio::awaitable<T> work) {
    return test::run_awaitable(io_, std::move(work));
  }

  asio::io_context io_;
  std::unique_ptr<AwsClient> client_;
  std::unique_ptr<DynamoDb> dynamo_;
  std::string table_;
};

TEST_F(DynamoDbMotoTest, ItemsArePutReadUpdatedAndDeleted) {
  auto described = run(dynamo_->describe_table(table_));
  EXPECT_EQ(described.at("TableName"), table_);
  EXPECT_EQ(described.at("StreamSpecification").at("StreamViewType"), "NEW_IMAGE");
  auto tables = run(dynamo_->list_tables());
  EXPECT_NE(std::find(tables.begin(), tables.end(), table_), tables.end());

  Item key{{"pk", s("p")}, {"sk", s("1")}};
  PutItemRequest put{table_, key, "attribute_not_exists(pk)", {}, {}};
  put.item["n"] = AttributeValue::number("12345678901234567890.25");
  run(dynamo_->put_item(put));
  try {
    run(dynamo_->put_item(put));
    FAIL() << "expected aws_condition_failed";
  } catch (const AwsError& error) {
    EXPECT_EQ(error.code(), "aws_condition_failed");
  }
  auto read = run(dynamo_->get_item({table_, key, true}));
  ASSERT_TRUE(read);
  EXPECT_EQ(read->at("n").text(), "12345678901234567890.25");

  UpdateItemRequest update{
      table_, key, "SET #m = :m", std::nullopt, {{"#m", "message"}}, {{":m", s("hi")}}, "ALL_NEW"};
  auto updated = run(dynamo_->update_item(update));
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->at("message").text(), "hi");
  run(dynamo_->delete_item({table_, key, std::nullopt, {}, {}}));
  EXPECT_FALSE(run(dynamo_->get_item({table_, key, true})));
}

TEST_F(DynamoDbMotoTest, QueriesAndScansPageThroughEveryItem) {
  std::vector<WriteRequest> writes;
  for (int i = 0; i < 60; ++i) {
    char sk[8];
    std::snprintf(sk, sizeof(sk), "%03d", i);
    writes.push_back({WriteRequest::Kind::put,
                      {{"pk", s(i % 2 == 0 ? "even" : "odd")}, {"sk", s(sk)}, {"group", s("g")}}});
  }
  run(dynamo_->batch_write(table_, writes));  // three BatchWriteItem requests

  QueryRequest query;
  query.table = table_;
  query.key_condition = "pk = :pk";
  query.values = {{":pk", s("even")}};
  query.limit = 7;
  query.forward = false;
  auto first = run(dynamo_->query(query));
  ASSERT_EQ(first.items.size(), 7u);
  ASSERT_TRUE(first.last_key);
  EXPECT_EQ(first.items.front().at("sk").text(), "058");
  query.start_key = first.last_key;
  auto second = run(dynamo_->query(query));
  EXPECT_EQ(second.items.front().at("sk").text(), "044");

  query.start_key.reset();
  auto all = run(dynamo_->query_all(query));
  ASSERT_EQ(all.size(), 30u);
  EXPECT_EQ(all.back().at("sk").text(), "000");

  QueryRequest by_group;
  by_group.table = table_;
  by_group.index = "by-group";
  by_group.key_condition = "#g = :g AND sk BETWEEN :a AND :b";
  by_group.names = {{"#g", "group"}};
  by_group.values = {{":g", s("g")}, {":a", s("010")}, {":b", s("019")}};
  by_group.limit = 4;
  EXPECT_EQ(run(dynamo_->query_all(by_group)).size(), 10u);

  ScanRequest scan;
  scan.table = table_;
  scan.limit = 11;
  EXPECT_EQ(run(dynamo_->scan_all(scan)).size(), 60u);
}

TEST_F(DynamoDbMotoTest, TransactionsAreAllOrNothingAndSayWhy) {
  Item existing{{"pk", s("t")}, {"sk", s("1")}};
  run(dynamo_->put_item({table_, existing, std::nullopt, {}, {}}));
  std::vector<TransactItem> items;
  items.emplace_back(
      PutItemRequest{table_, {{"pk", s("t")}, {"sk", s("2")}}, std::nullopt, {}, {}});
  items.emplace_back(PutItemRequest{table_, existing, "attribute_not_exists(pk)", {}, {}});
  try {
    run(dynamo_->transact_write(items, "token-a"));
    FAIL() << "expected TransactionCanceled";
  } catch (const TransactionCanceled& error) {
    ASSERT_EQ(error.reasons().size(), 2u);
    EXPECT_EQ(error.reasons()[1].code, "ConditionalCheckFailed");
    EXPECT_TRUE(error.only_conditions_failed());
  }
  EXPECT_FALSE(run(dynamo_->get_item({table_, {{"pk", s("t")}, {"sk", s("2")}}, true})));
  items.pop_back();
  run(dynamo_->transact_write(items, "token-b"));
  EXPECT_TRUE(run(dynamo_->get_item({table_, {{"pk", s("t")}, {"sk", s("2")}}, true})));
}

TEST_F(DynamoDbMotoTest, TheStreamCarriesEveryInsert) {
  for (int i = 0; i < 5; ++i) {
    run(dynamo_->put_item(
        {table_, {{"pk", s("MSG#x")}, {"sk", s(std::to_string(i))}}, std::nullopt, {}, {}}));
  }
  DynamoDbStreams streams(*client_);
  auto list = run(streams.list_streams(table_));
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].table, table_);
  auto description = run(streams.describe_stream(list[0].arn));
  EXPECT_EQ(description.view_type, "NEW_IMAGE");
  ASSERT_FALSE(description.shards.empty());
  auto iterator = run(streams.get_shard_iterator(list[0].arn, description.shards[0].id,
                                                 IteratorType::trim_horizon));
  auto page = run(streams.get_records(iterator, 100));
  ASSERT_EQ(page.records.size(), 5u);
  std::string previous;
  for (const auto& json_record : page.records) {
    auto record = parse_stream_record(json_record);
    EXPECT_EQ(record.event_name, "INSERT");
    ASSERT_TRUE(record.new_image);
    EXPECT_EQ(record.new_image->at("pk").text(), "MSG#x");
    if (!previous.empty()) {
      EXPECT_GT(compare_sequence_numbers(record.sequence_number, previous), 0);
    }
    previous = record.sequence_number;
  }
  ASSERT_TRUE(page.next_iterator);
  auto after = run(streams.get_shard_iterator(list[0].arn, description.shards[0].id,
                                              IteratorType::after_sequence, previous));
  EXPECT_TRUE(run(streams.get_records(after, 100)).records.empty());
}

TEST(DynamoDbAuthTest, MotoWithAuthenticationOnRefusesAWrongSecret) {
  std::map<std::string, std::string> auth_on{{"INITIAL_NO_AUTH_ACTION_COUNT", "3"}};
  test::OwnMoto moto(auth_on);
  auto made = test::run_process({CRUDDUR_PYTHON, CRUDDUR_MOTO_IAM_SCRIPT, moto.url()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  auto keys = json::parse(made.out);
  auto secret = keys.at("secret_access_key").get<std::string>();

  asio::io_context io;
  AwsClientOptions options;
  options.endpoint_url = moto.url();
  auto with = [&](const std::string& key, const std::string& secret_key) {
    return core::map_env({{"AWS_ACCESS_KEY_ID", key}, {"AWS_SECRET_ACCESS_KEY", secret_key}});
  };
  AwsClient good(io.get_executor(), options, with(keys.at("access_key_id"), secret));
  DynamoDb good_dynamo(good);
  EXPECT_NO_THROW(test::run_awaitable(io, good_dynamo.list_tables()));

  for (const auto& [key, wrong] : std::vector<std::pair<std::string, std::string>>{
           {keys.at("access_key_id"), secret.substr(1) + "x"}, {"AKIDUNKNOWN", secret}}) {
    AwsClient bad(io.get_executor(), options, with(key, wrong));
    DynamoDb bad_dynamo(bad);
    try {
      test::run_awaitable(io, bad_dynamo.list_tables());
      ADD_FAILURE() << "moto accepted a wrong key";
    } catch (const AwsError& error) {
      EXPECT_EQ(error.code(), "aws_denied") << error.what();
      EXPECT_EQ(std::string(error.what()).find(wrong), std::string::npos);
      EXPECT_EQ(bad.stats().attempts, 1u);  // refusals are not retried
    }
  }
}

}  // namespace
}  // namespace cruddur::aws
