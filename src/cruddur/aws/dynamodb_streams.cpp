// DynamoDB Streams over the JSON protocol: streams, shards (paged), iterators and records.
#include "cruddur/aws/dynamodb_streams.hpp"

#include "cruddur/aws/aws_client.hpp"

namespace cruddur::aws {
namespace {

using nlohmann::json;

std::string text_field(const json& object, const char* name) {
  auto found = object.find(name);
  if (found == object.end() || !found->is_string()) {
    throw AttributeValueError(std::string("stream record field ") + name + " is missing");
  }
  return found->get<std::string>();
}

std::optional<std::string> optional_text(const json& object, const char* name) {
  auto found = object.find(name);
  if (found == object.end() || !found->is_string()) return std::nullopt;
  return found->get<std::string>();
}

const char* iterator_type_name(IteratorType type) {
  switch (type) {
    case IteratorType::trim_horizon:
      return "TRIM_HORIZON";
    case IteratorType::latest:
      return "LATEST";
    case IteratorType::at_sequence:
      return "AT_SEQUENCE_NUMBER";
    case IteratorType::after_sequence:
      return "AFTER_SEQUENCE_NUMBER";
  }
  return "TRIM_HORIZON";
}

Shard to_shard(const json& shard) {
  Shard out;
  out.id = shard.value("ShardId", "");
  out.parent = optional_text(shard, "ParentShardId");
  if (auto range = shard.find("SequenceNumberRange"); range != shard.end() && range->is_object()) {
    out.starting_sequence = range->value("StartingSequenceNumber", "");
    out.ending_sequence = optional_text(*range, "EndingSequenceNumber");
  }
  return out;
}

json iterator_body(const std::string& arn, const std::string& shard, IteratorType type,
                   const std::optional<std::string>& sequence) {
  json body{
      {"StreamArn", arn}, {"ShardId", shard}, {"ShardIteratorType", iterator_type_name(type)}};
  if (sequence) body["SequenceNumber"] = *sequence;
  return body;
}

}  // namespace

StreamRecord parse_stream_record(const json& record) {
  if (!record.is_object()) throw AttributeValueError("a stream record is an object");
  StreamRecord out;
  out.event_id = text_field(record, "eventID");
  out.event_name = text_field(record, "eventName");
  auto data = record.find("dynamodb");
  if (data == record.end() || !data->is_object()) {
    throw AttributeValueError("stream record field dynamodb is missing");
  }
  out.sequence_number = text_field(*data, "SequenceNumber");
  if (auto created = data->find("ApproximateCreationDateTime");
      created != data->end() && created->is_number()) {
    out.approximate_creation = created->dump();
  }
  if (auto keys = data->find("Keys"); keys != data->end()) out.keys = item_from_json(*keys);
  if (auto image = data->find("NewImage"); image != data->end()) {
    out.new_image = item_from_json(*image);
  }
  if (auto image = data->find("OldImage"); image != data->end()) {
    out.old_image = item_from_json(*image);
  }
  return out;
}

int compare_sequence_numbers(std::string_view a, std::string_view b) {
  auto strip = [](std::string_view text) {
    auto first = text.find_first_not_of('0');
    return first == std::string_view::npos ? std::string_view() : text.substr(first);
  };
  a = strip(a);
  b = strip(b);
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  auto order = a.compare(b);
  return order < 0 ? -1 : (order > 0 ? 1 : 0);
}

asio::awaitable<json> DynamoDbStreams::call(std::string operation, json body) {
  auto text = body.dump();
  co_return co_await client_.call(dynamodb_streams_service(), std::move(operation),
                                  std::move(text));
}

asio::awaitable<std::vector<StreamSummary>> DynamoDbStreams::list_streams(
    std::optional<std::string> table) {
  std::vector<StreamSummary> streams;
  std::optional<std::string> start;
  do {
    json body = json::object();
    if (table) body["TableName"] = *table;
    if (start) body["ExclusiveStartStreamArn"] = *start;
    auto answer = co_await call("ListStreams", std::move(body));
    for (const auto& stream : answer.value("Streams", json::array())) {
      StreamSummary summary;
      summary.arn = stream.value("StreamArn", "");
      summary.table = stream.value("TableName", "");
      summary.label = stream.value("StreamLabel", "");
      streams.push_back(std::move(summary));
    }
    start = optional_text(answer, "LastEvaluatedStreamArn");
  } while (start);
  co_return streams;
}

asio::awaitable<StreamDescription> DynamoDbStreams::describe_stream(std::string stream_arn) {
  StreamDescription description;
  std::optional<std::string> start;
  do {
    json body = json::object();
    body["StreamArn"] = stream_arn;
    if (start) body["ExclusiveStartShardId"] = *start;
    auto answer = co_await call("DescribeStream", std::move(body));
    auto stream = answer.value("StreamDescription", json::object());
    description.arn = stream.value("StreamArn", stream_arn);
    description.table = stream.value("TableName", "");
    description.status = stream.value("StreamStatus", "");
    description.view_type = stream.value("StreamViewType", "");
    for (const auto& shard : stream.value("Shards", json::array())) {
      description.shards.push_back(to_shard(shard));
    }
    start = optional_text(stream, "LastEvaluatedShardId");
  } while (start);
  co_return description;
}

asio::awaitable<std::string> DynamoDbStreams::get_shard_iterator(
    std::string stream_arn, std::string shard_id, IteratorType type,
    std::optional<std::string> sequence) {
  auto answer =
      co_await call("GetShardIterator", iterator_body(stream_arn, shard_id, type, sequence));
  co_return answer.value("ShardIterator", "");
}

asio::awaitable<RecordsPage> DynamoDbStreams::get_records(std::string iterator,
                                                          std::optional<unsigned> limit) {
  json body = json::object();
  body["ShardIterator"] = std::move(iterator);
  if (limit) body["Limit"] = *limit;
  auto answer = co_await call("GetRecords", std::move(body));
  RecordsPage page;
  if (auto records = answer.find("Records"); records != answer.end() && records->is_array()) {
    page.records = std::move(*records);
  }
  page.next_iterator = optional_text(answer, "NextShardIterator");
  co_return page;
}

}  // namespace cruddur::aws
