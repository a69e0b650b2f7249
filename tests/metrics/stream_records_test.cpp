// Stream records → the message INSERTs the metrics count; what is ignored and what is rejected.
#include "cruddur/service/stream_records.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cruddur/core/error.hpp"

namespace cruddur::service {
namespace {

using nlohmann::json;

constexpr const char* kGroup = "5ae290ed-55d1-47a0-bc6d-fe2bc2700399";

json record(const std::string& event_id, const std::string& sequence, const std::string& pk,
            const std::string& sk, const std::string& event_name = "INSERT") {
  json keys = {{"pk", {{"S", pk}}}, {"sk", {{"S", sk}}}};
  return {{"eventID", event_id},
          {"eventName", event_name},
          {"eventVersion", "1.1"},
          {"eventSource", "aws:dynamodb"},
          {"awsRegion", "us-east-1"},
          {"dynamodb",
           {{"ApproximateCreationDateTime", 1764590400},
            {"Keys", keys},
            {"NewImage", keys},
            {"SequenceNumber", sequence},
            {"SizeBytes", 120},
            {"StreamViewType", "NEW_IMAGE"}}},
          {"eventSourceARN",
           "arn:aws:dynamodb:us-east-1:123456789012:table/cruddur-messages/"
           "stream/2026-12-01T00:00:00.000"}};
}

std::string message_pk() {
  return std::string("MSG#") + kGroup;
}

TEST(StreamRecords, MessageInsertsAreCountedByTheTimeInTheirSortKey) {
  json records = json::array(
      {record("e1", "1100000000017454423009", message_pk(),
              "2026-11-30T23:30:00-05:00#1f0c6b9e-8d0a-4c8e-9e3e-3f0c6b9e8d0a"),
       record("e2", "1100000000017454423010", message_pk(), "2026-12-01T10:00:00.123456+00:00")});
  auto batch = read_stream_records(records);
  EXPECT_EQ(batch.records, 2u);
  ASSERT_EQ(batch.messages.size(), 2u);
  EXPECT_TRUE(batch.rejected.empty());
  EXPECT_EQ(batch.messages[0].event_id, "e1");
  EXPECT_EQ(batch.messages[0].message_group_uuid, kGroup);
  EXPECT_EQ(format_iso_time(batch.messages[0].created_at), "2026-12-01T04:30:00.000000Z");
  EXPECT_EQ(batch.messages[1].index, 1u);
  EXPECT_EQ(batch.last_sequence_number, "1100000000017454423010");
}

TEST(StreamRecords, GroupItemsAndModificationsCountForNothing) {
  json records =
      json::array({record("g1", "300", "GRP#" + std::string(kGroup), "2026-12-01T10:00:00+00:00"),
                   record("m1", "301", message_pk(), "2026-12-01T10:00:00+00:00", "MODIFY"),
                   record("r1", "302", message_pk(), "2026-12-01T10:00:00+00:00", "REMOVE")});
  auto batch = read_stream_records(records);
  EXPECT_EQ(batch.records, 3u);
  EXPECT_TRUE(batch.messages.empty());
  EXPECT_TRUE(batch.rejected.empty());
  EXPECT_EQ(batch.last_sequence_number, "302");
}

TEST(StreamRecords, TheLastSequenceNumberIsTheLargestAsANumber) {
  json records = json::array({record("a", "99", "GRP#x", "s"), record("b", "100", "GRP#x", "s"),
                              record("c", "0098", "GRP#x", "s")});
  EXPECT_EQ(read_stream_records(records).last_sequence_number, "100");
  EXPECT_FALSE(read_stream_records(json::array()).last_sequence_number.has_value());
}

TEST(StreamRecords, UnreadableMessageRecordsAreRejectedWithTheirPositionAndAReason) {
  json no_id = record("", "11", message_pk(), "2026-12-01T10:00:00Z");
  json bad_sequence = record("x2", "12a", message_pk(), "2026-12-01T10:00:00Z");
  json bad_group = record("x3", "13", "MSG#not-a-uuid", "2026-12-01T10:00:00Z");
  json no_offset = record("x4", "14", message_pk(), "2026-12-01T10:00:00#abc");
  json no_sk = record("x5", "15", message_pk(), "x");
  no_sk["dynamodb"]["Keys"].erase("sk");
  json not_a_record = json::array({1, 2});
  json control = record(std::string("x\x01y"), "16", message_pk(), "2026-12-01T10:00:00Z");
  json records = json::array({record("ok0", "10", message_pk(), "2026-12-01T10:00:00Z"), no_id,
                              bad_sequence, bad_group, no_offset, no_sk, not_a_record, control});
  auto batch = read_stream_records(records);
  ASSERT_EQ(batch.messages.size(), 1u);
  ASSERT_EQ(batch.rejected.size(), 7u);
  EXPECT_EQ(batch.rejected[0].index, 1u);
  EXPECT_EQ(batch.rejected[0].sequence_number, "11");
  EXPECT_NE(batch.rejected[0].reason.find("eventID"), std::string::npos);
  EXPECT_EQ(batch.rejected[1].sequence_number, "");
  EXPECT_NE(batch.rejected[1].reason.find("SequenceNumber"), std::string::npos);
  EXPECT_NE(batch.rejected[2].reason.find("MSG#not-a-uuid"), std::string::npos);
  EXPECT_NE(batch.rejected[3].reason.find("offset"), std::string::npos);
  EXPECT_NE(batch.rejected[4].reason.find("sk"), std::string::npos);
  EXPECT_NE(batch.rejected[5].reason.find("not a DynamoDB stream record"), std::string::npos);
  EXPECT_EQ(batch.rejected[6].event_id, "x\x01y");
  EXPECT_EQ(batch.last_sequence_number, "16");
}

TEST(StreamRecords, LongValuesAreQuotedShortInReasons) {
  std::string long_sk(5000, 'z');
  auto batch = read_stream_records(json::array({record("e", "1", message_pk(), long_sk)}));
  ASSERT_EQ(batch.rejected.size(), 1u);
  EXPECT_LT(batch.rejected[0].reason.size(), 200u);
}

TEST(StreamRecords, MessagesBeforeARejectedRecordAreTheAppliablePrefix) {
  json records = json::array({record("a", "1", message_pk(), "2026-12-01T10:00:00Z"),
                              record("b", "2", message_pk(), "bad"),
                              record("c", "3", message_pk(), "2026-12-01T11:00:00Z")});
  auto batch = read_stream_records(records);
  ASSERT_EQ(batch.rejected.size(), 1u);
  auto before = batch.messages_before(batch.rejected[0].index);
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0].event_id, "a");
}

TEST(StreamRecords, ADocumentWithRecordsIsReadAndAnythingElseIsAnInvalidEvent) {
  json event = {{"Records", json::array({record("a", "1", message_pk(), "2026-12-01T10:00:00Z")})}};
  EXPECT_EQ(read_stream_event(event.dump()).messages.size(), 1u);
  for (std::string_view bad : {"", "{", "[]", "{}", R"({"Records":{}})", R"({"Records":7})"}) {
    try {
      (void)read_stream_event(bad);
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), "invalid_event") << bad;
    }
  }
}

TEST(StreamRecords, TheApplyParameterCarriesUtcTimes) {
  auto batch = read_stream_records(
      json::array({record("e1", "7", message_pk(), "2026-11-30T23:30:00-05:00#u")}));
  auto parameter = json::parse(apply_messages_parameter(batch.messages));
  EXPECT_EQ(parameter, json::parse(R"([{"event_id":"e1","sequence_number":"7",
    "message_group_uuid":"5ae290ed-55d1-47a0-bc6d-fe2bc2700399",
    "created_at":"2026-12-01T04:30:00.000000Z"}])"));
  EXPECT_EQ(apply_messages_parameter({}), "[]");
}

}  // namespace
}  // namespace cruddur::service
