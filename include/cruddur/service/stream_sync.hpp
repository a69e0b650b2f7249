#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cruddur/core/asio.hpp"
#include "cruddur/service/shard_checkpoints.hpp"
#include "cruddur/service/stream_records.hpp"

namespace cruddur::aws {
class DynamoDbStreams;
}
namespace cruddur::db {
class Pool;
}

namespace cruddur::service {

class MetricsStore;

struct StreamSyncOptions {
  std::string table;           ///< DDB_MESSAGE_TABLE: every stream of it is read
  std::string owner;           ///< this syncer in the leases (host, pid and a random part)
  unsigned batch_size = 1000;  ///< GetRecords' Limit (1..1000)
  std::chrono::milliseconds poll_interval{1000};  ///< --follow: pause when every shard caught up
  std::chrono::seconds refresh_interval{60};      ///< --follow: PostgreSQL metrics this often
  std::chrono::seconds max_backoff{30};           ///< --follow: longest pause after a failure
};

/// What a sync did so far (monotonic counters).
struct SyncReport {
  std::uint64_t passes = 0;
  std::uint64_t records_read = 0;   ///< stream records, message or not
  std::uint64_t batches = 0;        ///< transactions committed
  std::uint64_t messages = 0;       ///< message INSERTs counted now
  std::uint64_t duplicates = 0;     ///< message INSERTs already counted (e.g. by the Lambda)
  std::uint64_t conversations = 0;  ///< conversations counted or moved to an earlier day
  std::uint64_t rejected = 0;       ///< message records that could not be read (logged)
  std::uint64_t trimmed = 0;        ///< losses of records trimmed before they were read (logged)
  std::uint64_t iterators_renewed = 0;  ///< expired shard iterators acquired again
  std::uint64_t shards_closed = 0;      ///< shards read to their end
  std::uint64_t shards_skipped = 0;     ///< shards another syncer held (or took from us)
  std::uint64_t failures = 0;           ///< --follow: failed rounds (logged, retried)
};

/// Propagates the DynamoDB stream of the messages table into the metrics (docs/metrics.md):
/// for every shard, parents before children, from its checkpoint (AFTER_SEQUENCE_NUMBER, or
/// TRIM_HORIZON for a new shard), each batch's increments and the shard's checkpoint committed in
/// one transaction, fenced by the shard's lease so that two syncers never both apply a batch (the
/// one that finds a shard taken skips it and says so). Expired iterators are acquired again from
/// the checkpoint; records trimmed before they were read are reported (a log line and a counter);
/// records that cannot be read are logged, counted and passed. Runs on one io_context; not
/// thread-safe. The objects given must outlive it.
class StreamSync {
 public:
  StreamSync(aws::DynamoDbStreams& streams, db::Pool& pool, MetricsStore& store,
             ShardCheckpoints& checkpoints, StreamSyncOptions options);
  ~StreamSync();
  StreamSync(const StreamSync&) = delete;
  StreamSync& operator=(const StreamSync&) = delete;

  /// One pass: refreshes the PostgreSQL metrics, then reads every shard it can lease until it is
  /// caught up, then gives its leases back. Throws the AwsError or DbError that stopped it (what
  /// was committed before stays), or cruddur::Error("no_stream") when the table has no stream.
  asio::awaitable<SyncReport> run_once();

  /// Polls until stop(): passes that keep their leases and iterators, a pause of
  /// `poll_interval` when caught up, the PostgreSQL metrics every `refresh_interval`. A failed
  /// round is logged and retried after a growing pause; never throws but for a missing stream.
  /// Gives the leases back when stopped.
  asio::awaitable<SyncReport> follow();

  /// Asks run_once/follow to stop after the batch in hand (idempotent). Call it on the
  /// io_context that runs the sync (e.g. from its signal_set).
  void stop();

  [[nodiscard]] const SyncReport& report() const noexcept { return report_; }

 private:
  struct ShardState;

  asio::awaitable<void> pass(bool keep_leases);
  asio::awaitable<void> sync_stream(const std::string& stream_arn, bool keep_leases);
  asio::awaitable<void> work_on(const std::string& stream_arn, const ShardTask& task,
                                const std::vector<ShardCheckpoint>& checkpoints, bool keep_leases);
  asio::awaitable<void> read_shard(ShardState& state);
  asio::awaitable<std::string> acquire_iterator(ShardState& state);
  asio::awaitable<void> report_trimmed(ShardState& state, bool gone);
  asio::awaitable<bool> commit(ShardState& state, const StreamBatch& batch, bool closed);
  asio::awaitable<void> pause(std::chrono::milliseconds duration);
  asio::awaitable<void> release_all();

  aws::DynamoDbStreams& streams_;
  db::Pool& pool_;
  MetricsStore& store_;
  ShardCheckpoints& checkpoints_;
  StreamSyncOptions options_;
  SyncReport report_;
  std::map<std::string, std::unique_ptr<ShardState>> shards_;  ///< by "<arn> <shard id>"
  bool stopping_ = false;
  unsigned empty_pages_to_stop_ = kEmptyPagesToCatchUp;
  std::unique_ptr<asio::steady_timer> timer_;
};

/// `<host>:<pid>:<random>`: a lease owner that no other syncer uses.
std::string make_lease_owner();

}  // namespace cruddur::service
