#pragma once

#include <cstddef>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cruddur/service/iso_time.hpp"

namespace cruddur::service {

/// The INSERT of a message item (`pk` = `MSG#<message_group_uuid>`) read from a DynamoDB stream
/// record: what the `messages` and `conversations` metrics count.
struct MessageInsert {
  std::size_t index = 0;        ///< position of the record in its batch
  std::string event_id;         ///< the record's `eventID` (unique in the stream)
  std::string sequence_number;  ///< `dynamodb.SequenceNumber`, decimal digits
  std::string message_group_uuid;
  UtcTime created_at;  ///< the message's own time (from its `sk`), not the record's
};

/// A record that is a message INSERT, or claims to be, but cannot be counted as one.
struct RejectedRecord {
  std::size_t index = 0;
  std::string event_id;         ///< empty when the record has none
  std::string sequence_number;  ///< empty when the record has no valid one
  std::string reason;           ///< one sentence, quoting at most a short excerpt of the value
};

/// What one batch of stream records means for the metrics. Records that are not message INSERTs
/// (group items, MODIFY, REMOVE) count for nothing and are neither kept nor rejected.
struct StreamBatch {
  std::size_t records = 0;  ///< records in the batch
  std::vector<MessageInsert> messages;
  std::vector<RejectedRecord> rejected;
  /// The largest valid sequence number of the batch (compared as numbers), message or not.
  std::optional<std::string> last_sequence_number;

  /// The messages of records before position `index` (the part before a rejected record).
  [[nodiscard]] std::vector<MessageInsert> messages_before(std::size_t index) const;
};

/// Reads an array of stream records in the shape shared by GetRecords' `Records` and a Lambda
/// DynamoDB Streams event's `Records`: `eventID`, `eventName`, `dynamodb.{Keys, SequenceNumber}`.
/// A message's time is the ISO 8601 time (with offset) at the start of its `sk`, before any `#`.
/// Never throws on content: what cannot be read is in `rejected`. Throws cruddur::Error
/// ("invalid_event") when `records` is not an array.
StreamBatch read_stream_records(const nlohmann::json& records);

/// The same for a JSON document whose `Records` member is the array (a Lambda event, a GetRecords
/// answer). Throws cruddur::Error("invalid_event") when it is not JSON or has no such array.
StreamBatch read_stream_event(std::string_view document);

/// The `$1` of metrics/apply_messages: a JSON array of
/// `{event_id, sequence_number, message_group_uuid, created_at}`.
std::string apply_messages_parameter(std::span<const MessageInsert> messages);

}  // namespace cruddur::service
