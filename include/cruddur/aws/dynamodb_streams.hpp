#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cruddur/aws/attribute_value.hpp"
#include "cruddur/core/asio.hpp"

namespace cruddur::aws {

class AwsClient;

struct StreamSummary {
  std::string arn;
  std::string table;
  std::string label;  ///< StreamLabel (a timestamp)
};

struct Shard {
  std::string id;
  std::optional<std::string> parent;  ///< ParentShardId: read it to its end first
  std::string starting_sequence;
  /// Set once the shard is closed (no more records will be added).
  std::optional<std::string> ending_sequence;
};

struct StreamDescription {
  std::string arn;
  std::string table;
  std::string status;         ///< ENABLING, ENABLED, DISABLING, DISABLED
  std::string view_type;      ///< NEW_IMAGE …
  std::vector<Shard> shards;  ///< every shard (all DescribeStream pages)
};

enum class IteratorType { trim_horizon, latest, at_sequence, after_sequence };

/// A GetRecords answer. `records` is AWS's `Records` array as sent (the same shape a Lambda
/// DynamoDB Streams event carries); `next_iterator` is absent once a closed shard is read to
/// its end.
struct RecordsPage {
  nlohmann::json records = nlohmann::json::array();
  std::optional<std::string> next_iterator;
};

/// The fields of one stream record that callers use.
struct StreamRecord {
  std::string event_id;
  std::string event_name;       ///< INSERT, MODIFY, REMOVE
  std::string sequence_number;  ///< compare with compare_sequence_numbers
  /// `ApproximateCreationDateTime` in seconds since the epoch (may be fractional), as text.
  std::optional<std::string> approximate_creation;
  Item keys;
  std::optional<Item> new_image;
  std::optional<Item> old_image;
};

/// Decodes one element of `Records`. Throws AttributeValueError when a required field is
/// missing or mistyped.
StreamRecord parse_stream_record(const nlohmann::json& record);

/// Orders two sequence numbers (decimal digit strings of any length) as numbers: <0, 0, >0.
int compare_sequence_numbers(std::string_view a, std::string_view b);

/// DynamoDB Streams (`DynamoDBStreams_20120810`) on an AwsClient. Errors are AwsError:
/// `aws_expired_iterator` (an iterator older than 15 minutes), `aws_trimmed_data` (records older
/// than 24 hours), `aws_not_found` (no such stream or shard). Thread-safe; `client` must outlive
/// it.
class DynamoDbStreams {
 public:
  explicit DynamoDbStreams(AwsClient& client) : client_(client) {}

  /// The streams of `table` (every stream of the account when nullopt), all pages.
  asio::awaitable<std::vector<StreamSummary>> list_streams(std::optional<std::string> table);
  /// The stream with every shard (DescribeStream paged with ExclusiveStartShardId).
  asio::awaitable<StreamDescription> describe_stream(std::string stream_arn);
  /// `sequence` is required for at_sequence/after_sequence.
  asio::awaitable<std::string> get_shard_iterator(std::string stream_arn, std::string shard_id,
                                                  IteratorType type,
                                                  std::optional<std::string> sequence = {});
  /// One batch (at most `limit` records, AWS's maximum 1000 when nullopt).
  asio::awaitable<RecordsPage> get_records(std::string iterator,
                                           std::optional<unsigned> limit = {});

 private:
  asio::awaitable<nlohmann::json> call(std::string operation, nlohmann::json body);

  AwsClient& client_;
};

}  // namespace cruddur::aws
