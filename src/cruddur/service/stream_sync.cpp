// The stream sync: reads the messages table's DynamoDB stream shard by shard and commits each
// batch's increments together with the shard's fenced checkpoint.
#include "cruddur/service/stream_sync.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <set>

#include "cruddur/aws/aws_error.hpp"
#include "cruddur/aws/dynamodb_streams.hpp"
#include "cruddur/db/pool.hpp"
#include "cruddur/service/metrics_store.hpp"

namespace cruddur::service {

/// One shard this syncer works on: its lease, and the iterator where reading goes on.
struct StreamSync::ShardState {
  ShardLease lease;
  std::optional<std::string> iterator;
};

namespace {

std::string shard_key(const std::string& stream_arn, const std::string& shard_id) {
  return stream_arn + " " + shard_id;
}

// Who holds a shard, for the line that says it was skipped.
std::string holder_of(const std::vector<ShardCheckpoint>& checkpoints, const std::string& shard) {
  for (const auto& checkpoint : checkpoints) {
    if (checkpoint.shard_id == shard && checkpoint.lease_owner) {
      return fmt::format("{} (lease until {})", *checkpoint.lease_owner,
                         checkpoint.lease_expires_at.value_or("?"));
    }
  }
  return "another syncer";
}

}  // namespace

std::string make_lease_owner() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  std::random_device random;
  return fmt::format("{}:{}:{:08x}", host[0] != '\0' ? host : "unknown", getpid(), random());
}

StreamSync::StreamSync(aws::DynamoDbStreams& streams, db::Pool& pool, MetricsStore& store,
                       ShardCheckpoints& checkpoints, StreamSyncOptions options)
    : streams_(streams),
      pool_(pool),
      store_(store),
      checkpoints_(checkpoints),
      options_(std::move(options)) {}

StreamSync::~StreamSync() = default;

void StreamSync::stop() {
  stopping_ = true;
  if (timer_) timer_->cancel();
}

asio::awaitable<SyncReport> StreamSync::run_once() {
  empty_pages_to_stop_ = kEmptyPagesToCatchUp;
  co_await store_.refresh_postgres();
  std::exception_ptr failure;
  try {
    co_await pass(false);
  } catch (...) {
    failure = std::current_exception();
  }
  co_await release_all();
  if (failure) std::rethrow_exception(failure);
  co_return report_;
}

asio::awaitable<SyncReport> StreamSync::follow() {
  // Caught up at the first empty page: the next poll comes soon anyway.
  empty_pages_to_stop_ = 1;
  auto refreshed = std::chrono::steady_clock::time_point();
  std::chrono::milliseconds backoff = options_.poll_interval;
  while (!stopping_) {
    std::string error;
    try {
      if (std::chrono::steady_clock::now() - refreshed >= options_.refresh_interval) {
        co_await store_.refresh_postgres();
        refreshed = std::chrono::steady_clock::now();
      }
      co_await pass(true);
      backoff = options_.poll_interval;
    } catch (const Error& failure) {
      if (failure.code() == "no_stream") throw;
      error = failure.what();
    } catch (const std::exception& failure) {
      error = failure.what();
    }
    if (!error.empty()) {
      ++report_.failures;
      // Iterators may point past what was committed: read again from the checkpoints.
      for (auto& [key, state] : shards_) state->iterator.reset();
      spdlog::warn("metrics sync: round failed ({}); trying again in {} ms", error,
                   backoff.count());
      co_await pause(backoff);
      backoff = std::min<std::chrono::milliseconds>(backoff * 2, options_.max_backoff);
      continue;
    }
    co_await pause(options_.poll_interval);
  }
  co_await release_all();
  co_return report_;
}

asio::awaitable<void> StreamSync::pass(bool keep_leases) {
  ++report_.passes;
  auto streams = co_await streams_.list_streams(options_.table);
  if (streams.empty()) {
    throw Error("no_stream",
                fmt::format("table {} has no DynamoDB stream (or does not exist): the messages "
                            "table needs StreamSpecification NEW_IMAGE (`cruddur ddb "
                            "schema-load` creates it so)",
                            options_.table));
  }
  // Oldest first: a stream replaced by a newer one (stream turned off and on) ends before it.
  std::sort(streams.begin(), streams.end(),
            [](const auto& a, const auto& b) { return a.label < b.label; });
  for (const auto& stream : streams) {
    if (stopping_) break;
    co_await sync_stream(stream.arn, keep_leases);
  }
}

asio::awaitable<void> StreamSync::sync_stream(const std::string& stream_arn, bool keep_leases) {
  auto description = co_await streams_.describe_stream(stream_arn);
  co_await checkpoints_.register_shards(stream_arn, description.shards);
  std::set<std::string> handled;
  // Rounds: a parent read to its end in one round lets its children be read in the next.
  while (!stopping_) {
    auto checkpoints = co_await checkpoints_.list(stream_arn);
    auto tasks = plan_shards(description.shards, checkpoints, handled);
    if (tasks.empty()) break;
    for (const auto& task : tasks) {
      if (stopping_) break;
      handled.insert(task.shard_id);
      co_await work_on(stream_arn, task, checkpoints, keep_leases);
    }
  }
}

asio::awaitable<void> StreamSync::work_on(const std::string& stream_arn, const ShardTask& task,
                                          const std::vector<ShardCheckpoint>& checkpoints,
                                          bool keep_leases) {
  auto key = shard_key(stream_arn, task.shard_id);
  auto found = shards_.find(key);
  if (found == shards_.end()) {
    auto lease = co_await checkpoints_.take(stream_arn, task.shard_id, options_.owner);
    if (!lease) {
      ++report_.shards_skipped;
      spdlog::info("metrics sync: shard {} is being synced by {}: skipping it", task.shard_id,
                   holder_of(checkpoints, task.shard_id));
      co_return;
    }
    found = shards_.emplace(key, std::make_unique<ShardState>(ShardState{*lease, {}})).first;
  } else if (!co_await checkpoints_.renew(found->second->lease)) {
    ++report_.shards_skipped;
    spdlog::warn("metrics sync: another syncer took shard {}: leaving it to that one",
                 task.shard_id);
    shards_.erase(found);
    co_return;
  }
  auto& state = *found->second;
  if (task.work == ShardWork::close_gone) {
    co_await report_trimmed(state, true);
    shards_.erase(key);
    co_return;
  }
  co_await read_shard(state);
  auto still = shards_.find(key);
  if (still != shards_.end() && !keep_leases) {
    co_await checkpoints_.release(still->second->lease);
    shards_.erase(still);
  }
}

asio::awaitable<void> StreamSync::read_shard(ShardState& state) {
  auto key = shard_key(state.lease.stream_arn, state.lease.shard_id);
  unsigned empty_pages = 0;
  while (!stopping_) {
    if (!state.iterator) state.iterator = co_await acquire_iterator(state);
    aws::RecordsPage page;
    std::optional<ReadFailure> failed;
    std::string failure_message;
    try {
      page = co_await streams_.get_records(*state.iterator, options_.batch_size);
    } catch (const aws::AwsError& error) {
      failed = classify_read_failure(error.code());
      if (*failed == ReadFailure::other) throw;
      failure_message = error.what();
    }
    if (failed == ReadFailure::expired_iterator) {
      ++report_.iterators_renewed;
      spdlog::info(
          "metrics sync: the iterator of shard {} expired; getting a new one from the "
          "checkpoint",
          state.lease.shard_id);
      state.iterator.reset();
      continue;
    }
    if (failed == ReadFailure::trimmed) {
      co_await report_trimmed(state, false);
      // Go on from the oldest record still in the shard.
      state.iterator = co_await streams_.get_shard_iterator(
          state.lease.stream_arn, state.lease.shard_id, aws::IteratorType::trim_horizon);
      continue;
    }
    auto batch = read_stream_records(page.records);
    bool closed = !page.next_iterator.has_value();
    report_.records_read += batch.records;
    if (batch.records == 0 && !closed) {
      state.iterator = std::move(page.next_iterator);
      ++empty_pages;
      if (shard_caught_up(true, empty_pages, empty_pages_to_stop_)) co_return;
      continue;
    }
    empty_pages = 0;
    if (!co_await commit(state, batch, closed)) {
      ++report_.shards_skipped;
      spdlog::warn(
          "metrics sync: lost the lease of shard {} to another syncer (its fencing "
          "counter moved on); the batch was not applied, leaving the shard to it",
          state.lease.shard_id);
      shards_.erase(key);
      co_return;
    }
    if (closed) {
      ++report_.shards_closed;
      spdlog::info("metrics sync: shard {} was read to its end", state.lease.shard_id);
      shards_.erase(key);
      co_return;
    }
    state.iterator = std::move(page.next_iterator);
  }
}

asio::awaitable<std::string> StreamSync::acquire_iterator(ShardState& state) {
  auto start = iterator_start(state.lease.sequence_number);
  bool trimmed = false;
  try {
    co_return co_await streams_.get_shard_iterator(state.lease.stream_arn, state.lease.shard_id,
                                                   start.type, start.sequence_number);
  } catch (const aws::AwsError& error) {
    if (classify_read_failure(error.code()) != ReadFailure::trimmed) throw;
    trimmed = true;
  }
  if (trimmed) co_await report_trimmed(state, false);
  co_return co_await streams_.get_shard_iterator(state.lease.stream_arn, state.lease.shard_id,
                                                 aws::IteratorType::trim_horizon);
}

asio::awaitable<void> StreamSync::report_trimmed(ShardState& state, bool gone) {
  ++report_.trimmed;
  auto after = state.lease.sequence_number
                   ? fmt::format("after sequence number {}", *state.lease.sequence_number)
                   : std::string("from its start");
  if (gone) {
    spdlog::error(
        "metrics sync: shard {} is gone from the stream before it was read to its end: "
        "its records {} were trimmed (older than 24 hours) and are not counted; closing "
        "it so that its children are read",
        state.lease.shard_id, after);
  } else {
    spdlog::error(
        "metrics sync: records of shard {} {} were trimmed from the stream (older than "
        "24 hours) before they were read and are not counted; going on from the oldest "
        "record still there",
        state.lease.shard_id, after);
  }
  if (!co_await checkpoints_.note_trimmed(state.lease, gone)) {
    spdlog::warn(
        "metrics sync: the trimmed records of shard {} were not recorded: another "
        "syncer took the shard",
        state.lease.shard_id);
  }
}

asio::awaitable<bool> StreamSync::commit(ShardState& state, const StreamBatch& batch, bool closed) {
  auto transaction = co_await pool_.begin();
  // A batch of group items only moves the checkpoint: no need to queue for the appliers' lock.
  ApplyResult applied;
  if (!batch.messages.empty()) applied = co_await store_.apply(transaction, batch.messages);
  CheckpointUpdate update{batch.last_sequence_number, closed, applied.applied,
                          static_cast<long>(batch.rejected.size())};
  if (!co_await checkpoints_.advance(transaction, state.lease, update)) {
    co_await transaction.rollback();
    co_return false;
  }
  co_await transaction.commit();
  if (batch.last_sequence_number) state.lease.sequence_number = batch.last_sequence_number;
  ++report_.batches;
  report_.messages += static_cast<std::uint64_t>(applied.applied);
  report_.duplicates += static_cast<std::uint64_t>(applied.duplicates);
  report_.conversations += static_cast<std::uint64_t>(applied.conversations);
  report_.rejected += batch.rejected.size();
  for (const auto& rejected : batch.rejected) {
    spdlog::error("metrics sync: shard {}: record {} (sequence number {}) is not counted: {}",
                  state.lease.shard_id, rejected.event_id.empty() ? "-" : rejected.event_id,
                  rejected.sequence_number.empty() ? "-" : rejected.sequence_number,
                  rejected.reason);
  }
  spdlog::debug("metrics sync: shard {}: {} record(s), {} message(s) counted, checkpoint {}",
                state.lease.shard_id, batch.records, applied.applied,
                state.lease.sequence_number.value_or("-"));
  co_return true;
}

asio::awaitable<void> StreamSync::pause(std::chrono::milliseconds duration) {
  if (stopping_) co_return;
  if (!timer_) timer_ = std::make_unique<asio::steady_timer>(co_await asio::this_coro::executor);
  timer_->expires_after(duration);
  try {
    co_await timer_->async_wait(asio::use_awaitable);
  } catch (const boost::system::system_error&) {
    // cancelled by stop()
  }
}

asio::awaitable<void> StreamSync::release_all() {
  auto held = std::move(shards_);
  shards_.clear();
  for (auto& [key, state] : held) {
    try {
      co_await checkpoints_.release(state->lease);
    } catch (const std::exception& error) {
      spdlog::warn(
          "metrics sync: could not give back the lease of shard {} ({}); it expires "
          "by itself",
          state->lease.shard_id, error.what());
    }
  }
}

}  // namespace cruddur::service
