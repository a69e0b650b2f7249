// Shard checkpoints and leases in metrics_stream_shards: take, renew, release, fenced advance.
#include "cruddur/service/shard_checkpoints.hpp"

#include "cruddur/db/pool.hpp"

namespace cruddur::service {
namespace {

std::optional<std::string> flag(bool value) {
  return std::string(value ? "true" : "false");
}

}  // namespace

ShardCheckpoints::ShardCheckpoints(db::Pool& pool, const db::Catalog& catalog,
                                   std::chrono::seconds lease)
    : pool_(pool),
      lease_interval_(std::to_string(lease.count()) + " seconds"),
      register_(catalog.id("metrics/register_shard")),
      list_(catalog.id("metrics/stream_shards")),
      take_(catalog.id("metrics/take_lease")),
      renew_(catalog.id("metrics/renew_lease")),
      release_(catalog.id("metrics/release_lease")),
      advance_(catalog.id("metrics/checkpoint")),
      note_trimmed_(catalog.id("metrics/note_trimmed")) {}

asio::awaitable<void> ShardCheckpoints::register_shards(const std::string& stream_arn,
                                                        const std::vector<aws::Shard>& shards) {
  for (const auto& shard : shards) {
    db::Params params{stream_arn, shard.id, shard.parent};
    co_await pool_.execute(register_, std::move(params));
  }
}

asio::awaitable<std::vector<ShardCheckpoint>> ShardCheckpoints::list(
    const std::string& stream_arn) {
  db::Params params{stream_arn};
  auto result = co_await pool_.execute_returning(list_, std::move(params));
  std::vector<ShardCheckpoint> checkpoints;
  for (auto& row : result.rows) {
    // Columns: shard_id, parent_shard_id, sequence_number, closed, lease_owner, lease_expires_at.
    checkpoints.push_back(ShardCheckpoint{row.at(0).value_or(""), row.at(1), row.at(2),
                                          row.at(3).value_or("f") == "t", row.at(4), row.at(5)});
  }
  co_return checkpoints;
}

asio::awaitable<std::optional<ShardLease>> ShardCheckpoints::take(const std::string& stream_arn,
                                                                  const std::string& shard_id,
                                                                  const std::string& owner) {
  db::Params params{stream_arn, shard_id, owner, lease_interval_};
  auto result = co_await pool_.execute_returning(take_, std::move(params));
  if (result.rows.empty()) co_return std::nullopt;
  const auto& row = result.rows.front();
  co_return ShardLease{stream_arn, shard_id, owner, row.at(0).value_or("0"), row.at(1)};
}

asio::awaitable<bool> ShardCheckpoints::renew(const ShardLease& lease) {
  db::Params params{lease.stream_arn, lease.shard_id, lease.owner, lease.counter, lease_interval_};
  co_return co_await pool_.execute(renew_, std::move(params)) == 1;
}

asio::awaitable<void> ShardCheckpoints::release(const ShardLease& lease) {
  db::Params params{lease.stream_arn, lease.shard_id, lease.owner, lease.counter};
  co_await pool_.execute(release_, std::move(params));
}

asio::awaitable<bool> ShardCheckpoints::advance(db::Transaction& transaction,
                                                const ShardLease& lease,
                                                const CheckpointUpdate& update) {
  db::Params params{lease.stream_arn,
                    lease.shard_id,
                    lease.owner,
                    lease.counter,
                    update.sequence_number,
                    flag(update.closed),
                    lease_interval_,
                    std::to_string(update.applied),
                    std::to_string(update.rejected)};
  co_return co_await transaction.execute(advance_, std::move(params)) == 1;
}

asio::awaitable<bool> ShardCheckpoints::note_trimmed(const ShardLease& lease, bool gone) {
  db::Params params{lease.stream_arn, lease.shard_id, lease.owner, lease.counter, flag(gone)};
  co_return co_await pool_.execute(note_trimmed_, std::move(params)) == 1;
}

}  // namespace cruddur::service
