#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cruddur/core/asio.hpp"
#include "cruddur/db/catalog.hpp"
#include "cruddur/service/shard_plan.hpp"

namespace cruddur::db {
class Pool;
class Transaction;
}  // namespace cruddur::db

namespace cruddur::service {

/// A syncer's hold on one shard: who, and the fencing counter its take was given.
struct ShardLease {
  std::string stream_arn;
  std::string shard_id;
  std::string owner;
  std::string counter;                         ///< lease_counter, as text
  std::optional<std::string> sequence_number;  ///< the checkpoint when the lease was taken
};

/// What one applied batch moves the checkpoint to.
struct CheckpointUpdate {
  std::optional<std::string> sequence_number;  ///< the batch's last record (nullopt: unchanged)
  bool closed = false;                         ///< the shard ended with this batch
  long applied = 0;
  long rejected = 0;
};

/// The per-shard checkpoints and leases of metrics_stream_shards (docs/metrics.md). Every method
/// throws the pool's DbError. Thread-safe; `pool` must outlive it.
class ShardCheckpoints {
 public:
  /// Resolves its statements; throws db::CatalogError when one is missing.
  ShardCheckpoints(db::Pool& pool, const db::Catalog& catalog, std::chrono::seconds lease);

  /// Adds the shards of a stream that are not known yet (no checkpoint: TRIM_HORIZON).
  asio::awaitable<void> register_shards(const std::string& stream_arn,
                                        const std::vector<aws::Shard>& shards);
  asio::awaitable<std::vector<ShardCheckpoint>> list(const std::string& stream_arn);

  /// Takes the shard's lease for `owner` when it is free, expired or already `owner`'s; nullopt
  /// when another syncer holds it or the shard is closed.
  asio::awaitable<std::optional<ShardLease>> take(const std::string& stream_arn,
                                                  const std::string& shard_id,
                                                  const std::string& owner);
  /// Extends the lease; false when another syncer has taken the shard since.
  asio::awaitable<bool> renew(const ShardLease& lease);
  /// Gives the lease back (nothing when it is no longer ours).
  asio::awaitable<void> release(const ShardLease& lease);

  /// The compare-and-set inside the batch's transaction: false when the lease is no longer ours
  /// (the caller must roll back). On success the lease's sequence_number follows the checkpoint
  /// once the caller has committed.
  asio::awaitable<bool> advance(db::Transaction& transaction, const ShardLease& lease,
                                const CheckpointUpdate& update);

  /// Counts one loss of trimmed records (and closes the shard when `gone`); false when the lease
  /// is no longer ours.
  asio::awaitable<bool> note_trimmed(const ShardLease& lease, bool gone);

 private:
  db::Pool& pool_;
  std::string lease_interval_;
  db::StatementId register_, list_, take_, renew_, release_, advance_, note_trimmed_;
};

}  // namespace cruddur::service
