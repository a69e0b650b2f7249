// DynamoDB stream records → the message INSERTs the metrics count, and the records rejected.
#include "cruddur/service/stream_records.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "cruddur/aws/dynamodb_streams.hpp"
#include "cruddur/core/error.hpp"
#include "cruddur/service/activities.hpp"
#include "cruddur/service/sequence_number.hpp"

namespace cruddur::service {
namespace {

using nlohmann::json;

constexpr std::string_view kMessagePrefix = "MSG#";
constexpr std::size_t kExcerpt = 64;
constexpr std::size_t kMaxEventId = 128;

// `value` for a reason sentence: at most kExcerpt characters, quoted.
std::string excerpt(std::string_view value) {
  if (value.size() <= kExcerpt) return fmt::format("'{}'", value);
  return fmt::format("'{}…'", value.substr(0, kExcerpt));
}

// The string at object[name] (a plain JSON string), or nullptr.
const std::string* string_at(const json& object, const char* name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return nullptr;
  return &it->get_ref<const std::string&>();
}

// The DynamoDB string attribute object[name] = {"S": "..."}, or nullptr.
const std::string* string_attribute(const json& object, const char* name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(name);
  if (it == object.end()) return nullptr;
  return string_at(*it, "S");
}

// One record, classified: a message INSERT, a rejection, or nothing (not a message INSERT).
struct Reading {
  std::optional<MessageInsert> message;
  std::optional<std::string> rejection;
  std::optional<std::string> sequence_number;
  std::string event_id;
};

// eventIDs are short printable ASCII (32 hex digits in DynamoDB); anything else could not be
// stored as text (a NUL) or is not a real record.
bool is_event_id(std::string_view id) {
  return !id.empty() && id.size() <= kMaxEventId
         && std::all_of(id.begin(), id.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

std::optional<UtcTime> message_time(std::string_view sk) {
  return parse_iso_time(sk.substr(0, sk.find('#')));
}

Reading read_record(const json& record) {
  Reading reading;
  const json* dynamodb = nullptr;
  if (record.is_object()) {
    if (auto it = record.find("dynamodb"); it != record.end() && it->is_object()) dynamodb = &*it;
  }
  const auto* event_name = string_at(record, "eventName");
  if (dynamodb == nullptr || event_name == nullptr) {
    reading.rejection = "not a DynamoDB stream record (no eventName or dynamodb)";
    return reading;
  }
  if (const auto* sequence = string_at(*dynamodb, "SequenceNumber");
      sequence != nullptr && is_sequence_number(*sequence)) {
    reading.sequence_number = *sequence;
  }
  if (const auto* id = string_at(record, "eventID")) reading.event_id = *id;

  const json no_keys = json::object();
  auto keys_it = dynamodb->find("Keys");
  const json& keys = keys_it != dynamodb->end() ? *keys_it : no_keys;
  const auto* pk = string_attribute(keys, "pk");
  bool is_message = pk != nullptr && std::string_view(*pk).substr(0, 4) == kMessagePrefix;
  if (*event_name != "INSERT" || !is_message) return reading;

  if (!is_event_id(reading.event_id)) {
    reading.rejection = "the message record has no eventID of printable ASCII";
  } else if (!reading.sequence_number) {
    reading.rejection = "the message record has no numeric dynamodb.SequenceNumber";
  } else if (auto group = std::string_view(*pk).substr(kMessagePrefix.size()); !is_uuid(group)) {
    reading.rejection = fmt::format("pk {} does not name a message group uuid", excerpt(*pk));
  } else if (const auto* sk = string_attribute(keys, "sk"); sk == nullptr) {
    reading.rejection = "the message record has no sk key";
  } else if (auto time = message_time(*sk); !time) {
    reading.rejection =
        fmt::format("sk {} does not start with an ISO 8601 time with its offset", excerpt(*sk));
  } else {
    reading.message =
        MessageInsert{0, reading.event_id, *reading.sequence_number, std::string(group), *time};
  }
  return reading;
}

}  // namespace

std::vector<MessageInsert> StreamBatch::messages_before(std::size_t index) const {
  std::vector<MessageInsert> before;
  for (const auto& message : messages) {
    if (message.index < index) before.push_back(message);
  }
  return before;
}

StreamBatch read_stream_records(const json& records) {
  if (!records.is_array()) throw Error("invalid_event", "Records is not an array");
  StreamBatch batch;
  batch.records = records.size();
  for (std::size_t index = 0; index < records.size(); ++index) {
    auto reading = read_record(records[index]);
    if (reading.sequence_number
        && (!batch.last_sequence_number
            || aws::compare_sequence_numbers(*reading.sequence_number, *batch.last_sequence_number)
                   > 0)) {
      batch.last_sequence_number = reading.sequence_number;
    }
    if (reading.message) {
      reading.message->index = index;
      batch.messages.push_back(std::move(*reading.message));
    } else if (reading.rejection) {
      batch.rejected.push_back(RejectedRecord{index, std::move(reading.event_id),
                                              reading.sequence_number.value_or(""),
                                              std::move(*reading.rejection)});
    }
  }
  return batch;
}

StreamBatch read_stream_event(std::string_view document) {
  auto parsed = json::parse(document, nullptr, false);
  if (parsed.is_discarded()) throw Error("invalid_event", "the event is not valid JSON");
  if (!parsed.is_object()) throw Error("invalid_event", "the event is not a JSON object");
  auto records = parsed.find("Records");
  if (records == parsed.end()) throw Error("invalid_event", "the event has no Records");
  return read_stream_records(*records);
}

std::string apply_messages_parameter(std::span<const MessageInsert> messages) {
  auto array = json::array();
  for (const auto& message : messages) {
    array.push_back({{"event_id", message.event_id},
                     {"sequence_number", message.sequence_number},
                     {"message_group_uuid", message.message_group_uuid},
                     {"created_at", format_iso_time(message.created_at)}});
  }
  return array.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace cruddur::service
