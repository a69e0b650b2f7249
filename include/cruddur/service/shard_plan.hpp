#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cruddur/aws/dynamodb_streams.hpp"

namespace cruddur::service {

/// A shard's row of metrics_stream_shards, as metrics/stream_shards reads it.
struct ShardCheckpoint {
  std::string shard_id;
  std::optional<std::string> parent_shard_id;
  std::optional<std::string> sequence_number;  ///< the last record applied; none yet: nullopt
  bool closed = false;                         ///< ended and read to its end
  std::optional<std::string> lease_owner;      ///< a live lease's holder
  std::optional<std::string> lease_expires_at;
};

/// What to do with a shard now.
enum class ShardWork {
  read,        ///< read it from its checkpoint on
  close_gone,  ///< open in the checkpoints but gone from the stream: its unread records were
               ///< trimmed; count that and close it so that its children can be read
};

struct ShardTask {
  std::string shard_id;
  ShardWork work = ShardWork::read;
};

/// The shards to work on now, parents before children (the Kinesis Client Library's rule): a
/// shard of the stream is ready when its checkpoint is not closed and its parent is closed, or
/// unknown to both the stream and the checkpoints (trimmed before this syncer ever saw it). A
/// shard whose parent is still open waits (a later round, once the parent is closed). Shards
/// open in `checkpoints` but no longer in `stream` come first, as close_gone. Shards in `skip`
/// (already handled in this pass) are left out.
std::vector<ShardTask> plan_shards(const std::vector<aws::Shard>& stream,
                                   const std::vector<ShardCheckpoint>& checkpoints,
                                   const std::set<std::string>& skip = {});

/// Where to start reading a shard: after the checkpoint, or from the oldest record there is.
struct IteratorStart {
  aws::IteratorType type = aws::IteratorType::trim_horizon;
  std::optional<std::string> sequence_number;
};
IteratorStart iterator_start(const std::optional<std::string>& checkpoint);

/// What a failed GetShardIterator or GetRecords call means for the reader of a shard.
enum class ReadFailure {
  expired_iterator,  ///< the iterator is older than 15 minutes: get a new one from the checkpoint
  trimmed,           ///< the records there are gone (24 h): report the loss, go on from the oldest
  other,             ///< anything else: the pass fails (the checkpoint stays where it is)
};
ReadFailure classify_read_failure(std::string_view error_code);

/// Whether a reader stops reading a shard after a page: a closed shard read to its end (no next
/// iterator) is done; an open shard is caught up after `needed` empty pages in a row.
bool shard_caught_up(bool has_next_iterator, unsigned empty_pages, unsigned needed);

/// Empty pages in a row after which one pass leaves an open shard: DynamoDB may answer empty
/// pages before later records, so one empty page is not trusted to mean "caught up".
inline constexpr unsigned kEmptyPagesToCatchUp = 3;

}  // namespace cruddur::service
