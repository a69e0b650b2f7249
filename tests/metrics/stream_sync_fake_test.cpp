// StreamSync against a fake DynamoDB Streams endpoint (named a fake: moto_server has one shard per
// table and neither shard lineage, nor trimming, nor iterator expiry), with a real PostgreSQL:
// parents read before children, checkpoints resumed with AFTER_SEQUENCE_NUMBER, expired iterators
// acquired again, trimmed records and gone shards reported and counted.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "cruddur/aws/aws_client.hpp"
#include "cruddur/aws/dynamodb_streams.hpp"
#include "cruddur/service/metrics_store.hpp"
#include "cruddur/service/stream_sync.hpp"
#include "pg_fixture.hpp"
#include "scripted_server.hpp"

namespace cruddur::service {
namespace {

using db::testing::PgTest;
using nlohmann::json;
using test::ScriptedRequest;
using test::ScriptedResponse;
using namespace std::chrono_literals;

constexpr const char* kArn =
    "arn:aws:dynamodb:us-east-1:123456789012:table/cruddur-messages/stream/2026-12-01T00:00:00.000";

/// The fake: streams of one table, shards with records, and the failures a test asks for.
class FakeStreams {
 public:
  struct Shard {
    std::optional<std::string> parent;
    std::vector<json> records;
    bool ended = false;
    std::size_t trimmed = 0;  ///< records before this index are gone
    bool listed = true;       ///< false: gone from DescribeStream
  };

  FakeStreams() : server_([this](const ScriptedRequest& request) { return handle(request); }) {}

  [[nodiscard]] std::string url() const {
    return "http://127.0.0.1:" + std::to_string(server_.port());
  }

  /// Adds a message INSERT (and a group item, which counts for nothing) to `shard`.
  void add_message(const std::string& shard, const std::string& group, const std::string& time) {
    std::lock_guard lock(mutex_);
    auto& records = shards_[shard].records;
    using Keys = std::pair<std::string, std::string>;
    for (const auto& [pk, sk] : {Keys{"MSG#" + group, time + "#m"},
                                 Keys{"GRP#00000000-0000-4000-8000-000000000001", time}}) {
      auto sequence = sequence_number(shard, records.size());
      records.push_back({{"eventID", shard + "-" + sequence},
                         {"eventName", "INSERT"},
                         {"dynamodb",
                          {{"Keys", {{"pk", {{"S", pk}}}, {"sk", {{"S", sk}}}}},
                           {"SequenceNumber", sequence},
                           {"StreamViewType", "NEW_IMAGE"}}}});
    }
  }

  template <typename Change>
  void change(const std::string& shard, Change change) {
    std::lock_guard lock(mutex_);
    change(shards_[shard]);
  }

  /// The next `count` GetRecords calls answer ExpiredIteratorException.
  void expire_next_iterators(int count) {
    std::lock_guard lock(mutex_);
    expirations_ = count;
  }

  /// "<type> <shard>[ <sequence>]" of every GetShardIterator, in order.
  std::vector<std::string> iterator_requests() {
    std::lock_guard lock(mutex_);
    return iterator_requests_;
  }

 private:
  // Sequence numbers: 21 digits in shard "a", 22 or more in the others, so that text order and
  // number order differ; the last 7 digits are the record's index in its shard.
  static std::string sequence_number(const std::string& shard, std::size_t index) {
    char digits[8];
    std::snprintf(digits, sizeof(digits), "%07zu", index);
    if (shard == "a") return "90000000000000" + std::string(digits);
    return "10000000000000" + std::to_string(shard[0] - 'a') + digits;
  }
  static std::size_t index_of(const std::string& sequence) {
    return std::stoul(sequence.substr(sequence.size() - 7));
  }

  static ScriptedResponse answer(unsigned status, const json& body) {
    ScriptedResponse response;
    response.status = status;
    response.body = body.dump();
    response.headers.emplace_back("Content-Type", "application/x-amz-json-1.0");
    return response;
  }

  static ScriptedResponse error(const std::string& type, const std::string& message) {
    return answer(400,
                  {{"__type", "com.amazonaws.dynamodb.v20120810#" + type}, {"message", message}});
  }

  // Iterators are "<shard>|<index>".
  static std::pair<std::string, std::size_t> decode(const std::string& iterator) {
    auto bar = iterator.find('|');
    return {iterator.substr(0, bar), std::stoul(iterator.substr(bar + 1))};
  }

  ScriptedResponse handle(const ScriptedRequest& request) {
    std::lock_guard lock(mutex_);
    auto target = request.headers.at("x-amz-target");
    auto operation = target.substr(target.find('.') + 1);
    auto body = json::parse(request.body);
    if (operation == "ListStreams") {
      return answer(200,
                    {{"Streams", json::array({{{"StreamArn", kArn},
                                               {"TableName", "cruddur-messages"},
                                               {"StreamLabel", "2026-12-01T00:00:00.000"}}})}});
    }
    if (operation == "DescribeStream") {
      auto shards = json::array();
      for (const auto& [id, shard] : shards_) {
        if (!shard.listed) continue;
        json range = {{"StartingSequenceNumber", sequence_number(id, 0)}};
        if (shard.ended) {
          range["EndingSequenceNumber"] = sequence_number(id, shard.records.size() - 1);
        }
        json entry = {{"ShardId", id}, {"SequenceNumberRange", range}};
        if (shard.parent) entry["ParentShardId"] = *shard.parent;
        shards.push_back(entry);
      }
      return answer(200, {{"StreamDescription",
                           {{"StreamArn", kArn},
                            {"StreamStatus", "ENABLED"},
                            {"StreamViewType", "NEW_IMAGE"},
                            {"TableName", "cruddur-messages"},
                            {"Shards", shards}}}});
    }
    if (operation == "GetShardIterator") {
      auto id = body.at("ShardId").get<std::string>();
      auto type = body.at("ShardIteratorType").get<std::string>();
      auto& shard = shards_.at(id);
      std::size_t index = shard.trimmed;
      std::string logged = type + " " + id;
      if (type == "AFTER_SEQUENCE_NUMBER") {
        auto sequence = body.at("SequenceNumber").get<std::string>();
        logged += " " + sequence;
        index = index_of(sequence) + 1;
        if (index < shard.trimmed) {
          iterator_requests_.push_back(logged);
          return error("TrimmedDataAccessException", "the records were trimmed");
        }
      }
      iterator_requests_.push_back(logged);
      return answer(200, {{"ShardIterator", id + "|" + std::to_string(index)}});
    }
    if (operation == "GetRecords") {
      if (expirations_ > 0) {
        --expirations_;
        return error("ExpiredIteratorException", "Iterator expired");
      }
      auto [id, index] = decode(body.at("ShardIterator").get<std::string>());
      auto& shard = shards_.at(id);
      if (index < shard.trimmed) return error("TrimmedDataAccessException", "trimmed");
      auto limit = body.value("Limit", 1000u);
      auto end = std::min(shard.records.size(), index + limit);
      json page = {{"Records", json::array()}};
      for (auto i = index; i < end; ++i) page["Records"].push_back(shard.records[i]);
      if (!shard.ended || end < shard.records.size()) {
        page["NextShardIterator"] = id + "|" + std::to_string(end);
      }
      return answer(200, page);
    }
    return error("UnknownOperationException", operation);
  }

  std::mutex mutex_;
  std::map<std::string, Shard> shards_;
  int expirations_ = 0;
  std::vector<std::string> iterator_requests_;
  test::ScriptedServer server_;
};

std::string group(int n) {
  char text[37];
  std::snprintf(text, sizeof(text), "00000000-0000-4000-8000-%012d", n);
  return text;
}

class StreamSyncFakeTest : public PgTest {
 protected:
  SyncReport sync_once(unsigned batch_size = 4) {
    aws::AwsClientOptions options;
    options.endpoint_url = fake_.url();
    aws::AwsClient client(io_.get_executor(), options,
                          core::map_env({{"AWS_ACCESS_KEY_ID", "AKIDFAKE"},
                                         {"AWS_SECRET_ACCESS_KEY", "fake-secret"}}));
    aws::DynamoDbStreams streams(client);
    auto& pool = pool_ ? *pool_ : *(pool_ = &make_pool(options_for_sync()));
    MetricsStore store(pool, *catalog_);
    ShardCheckpoints checkpoints(pool, *catalog_, 60s);
    StreamSyncOptions sync_options{"cruddur-messages", "test-syncer", batch_size};
    StreamSync sync(streams, pool, store, checkpoints, sync_options);
    auto report = run(sync.run_once());
    client.close();
    return report;
  }

  db::PoolOptions options_for_sync() const { return options(2); }

  std::string value(const std::string& sql) {
    return std::string(db::Connection::open(url_).exec(sql).one_field());
  }

  FakeStreams fake_;
  db::Pool* pool_ = nullptr;
};

TEST_F(StreamSyncFakeTest, ParentsAreReadToTheirEndBeforeTheirChildrenAndCheckpointsResume) {
  // "z" ended and split into "a" and "b" (listed before their parent); "a" has 21-digit
  // sequence numbers, "b" and "z" 22.
  for (int i = 0; i < 5; ++i) fake_.add_message("z", group(1), "2026-11-29T10:00:00+00:00");
  fake_.change("z", [](auto& shard) { shard.ended = true; });
  for (int i = 0; i < 3; ++i) fake_.add_message("a", group(2), "2026-11-30T23:30:00-02:00");
  for (int i = 0; i < 2; ++i) fake_.add_message("b", group(1), "2026-11-28T10:00:00Z");
  fake_.change("a", [](auto& shard) { shard.parent = "z"; });
  fake_.change("b", [](auto& shard) { shard.parent = "z"; });

  auto report = sync_once();
  EXPECT_EQ(report.records_read, 20u);
  EXPECT_EQ(report.messages, 10u);
  EXPECT_EQ(report.shards_closed, 1u);
  auto requests = fake_.iterator_requests();
  ASSERT_EQ(requests.size(), 3u);
  EXPECT_EQ(requests[0], "TRIM_HORIZON z");
  EXPECT_EQ(value("SELECT closed::text FROM metrics_stream_shards WHERE shard_id = 'z'"), "true");
  // Group 1's first message is in the child "b" (11-28), read after its parent's (11-29).
  EXPECT_EQ(value("SELECT string_agg(day || ' ' || name || ' ' || value, ', ' ORDER BY day, name) "
                  "FROM metrics_daily WHERE value <> 0 AND name IN ('messages', 'conversations')"),
            "2026-11-28 conversations 1, 2026-11-28 messages 2, 2026-11-29 messages 5, "
            "2026-12-01 conversations 1, 2026-12-01 messages 3");

  // More records in "a": the next pass starts after its checkpoint; "z" is not read again.
  fake_.add_message("a", group(3), "2026-12-02T00:00:00Z");
  auto again = sync_once();
  EXPECT_EQ(again.messages, 1u);
  requests = fake_.iterator_requests();
  ASSERT_EQ(requests.size(), 5u);
  std::set<std::string> resumed(requests.begin() + 3, requests.end());
  EXPECT_EQ(resumed, (std::set<std::string>{"AFTER_SEQUENCE_NUMBER a 900000000000000000005",
                                            "AFTER_SEQUENCE_NUMBER b 1000000000000010000003"}));
  EXPECT_EQ(value("SELECT value FROM metrics_daily WHERE day = '2026-12-02' AND name = 'messages'"),
            "1");
}

TEST_F(StreamSyncFakeTest, AnExpiredIteratorIsAcquiredAgainFromTheCheckpoint) {
  for (int i = 0; i < 6; ++i) fake_.add_message("b", group(i), "2026-12-01T10:00:00Z");
  fake_.expire_next_iterators(1);
  auto report = sync_once(4);
  EXPECT_EQ(report.iterators_renewed, 1u);
  EXPECT_EQ(report.messages, 6u);
  EXPECT_EQ(report.duplicates, 0u);
  EXPECT_EQ(fake_.iterator_requests().front(), "TRIM_HORIZON b");
  EXPECT_EQ(fake_.iterator_requests().at(1), "TRIM_HORIZON b") << "no checkpoint yet";
}

TEST_F(StreamSyncFakeTest, RecordsTrimmedBeforeTheyWereReadAreReportedAndCounted) {
  fake_.add_message("b", group(1), "2026-12-01T10:00:00Z");
  EXPECT_EQ(sync_once().messages, 1u);
  // Two more messages arrive, then everything up to the third message is trimmed (24 h later).
  fake_.add_message("b", group(2), "2026-12-01T11:00:00Z");
  fake_.add_message("b", group(3), "2026-12-01T12:00:00Z");
  fake_.change("b", [](auto& shard) { shard.trimmed = 4; });
  auto report = sync_once();
  EXPECT_EQ(report.trimmed, 1u);
  EXPECT_EQ(report.messages, 1u) << "the third message, still in the stream";
  EXPECT_EQ(value("SELECT trimmed_count FROM metrics_stream_shards WHERE shard_id = 'b'"), "1");
  auto requests = fake_.iterator_requests();
  EXPECT_EQ(requests.back(), "TRIM_HORIZON b");
}

TEST_F(StreamSyncFakeTest, AShardGoneFromTheStreamIsClosedAsTrimmedAndItsChildIsRead) {
  fake_.add_message("a", group(1), "2026-12-01T10:00:00Z");
  EXPECT_EQ(sync_once().messages, 1u);
  // "a" later ended with a record never read, split into "b", and then expired from the stream.
  fake_.add_message("a", group(1), "2026-12-01T11:00:00Z");
  fake_.change("a", [](auto& shard) {
    shard.ended = true;
    shard.listed = false;
  });
  fake_.add_message("b", group(2), "2026-12-02T10:00:00Z");
  fake_.change("b", [](auto& shard) { shard.parent = "a"; });
  auto report = sync_once();
  EXPECT_EQ(report.trimmed, 1u);
  EXPECT_EQ(report.messages, 1u);
  EXPECT_EQ(value("SELECT closed::text || ' ' || trimmed_count FROM metrics_stream_shards "
                  "WHERE shard_id = 'a'"),
            "true 1");
  EXPECT_EQ(value("SELECT sequence_number IS NOT NULL FROM metrics_stream_shards "
                  "WHERE shard_id = 'b'"),
            "t");
}

TEST_F(StreamSyncFakeTest, AShardLeasedByAnotherSyncerIsSkippedAndLeftAlone) {
  fake_.add_message("b", group(1), "2026-12-01T10:00:00Z");
  EXPECT_EQ(sync_once().messages, 1u);
  fake_.add_message("b", group(2), "2026-12-01T11:00:00Z");
  db::Connection::open(url_).exec(
      "UPDATE metrics_stream_shards SET lease_owner = 'other:1:x', "
      "lease_expires_at = now() + interval '1 hour'");
  auto report = sync_once();
  EXPECT_EQ(report.shards_skipped, 1u);
  EXPECT_EQ(report.messages, 0u);
  EXPECT_EQ(value("SELECT lease_owner FROM metrics_stream_shards"), "other:1:x");
}

}  // namespace
}  // namespace cruddur::service
