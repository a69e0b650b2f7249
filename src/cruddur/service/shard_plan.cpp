// The stream sync's decisions, free of I/O: which shards to read in what order, where to start,
// what a read failure means, when a shard is caught up.
#include "cruddur/service/shard_plan.hpp"

#include <map>

namespace cruddur::service {

std::vector<ShardTask> plan_shards(const std::vector<aws::Shard>& stream,
                                   const std::vector<ShardCheckpoint>& checkpoints,
                                   const std::set<std::string>& skip) {
  std::map<std::string, const ShardCheckpoint*> known;
  for (const auto& checkpoint : checkpoints) known[checkpoint.shard_id] = &checkpoint;
  std::set<std::string> listed;
  for (const auto& shard : stream) listed.insert(shard.id);

  std::vector<ShardTask> tasks;
  for (const auto& checkpoint : checkpoints) {
    if (!checkpoint.closed && listed.count(checkpoint.shard_id) == 0
        && skip.count(checkpoint.shard_id) == 0) {
      tasks.push_back({checkpoint.shard_id, ShardWork::close_gone});
    }
  }
  // A shard whose parent is itself ready is not: it waits for the parent to be read to its end.
  for (const auto& shard : stream) {
    auto own = known.find(shard.id);
    if ((own != known.end() && own->second->closed) || skip.count(shard.id) > 0) continue;
    bool parent_open = false;
    if (shard.parent) {
      auto parent = known.find(*shard.parent);
      bool parent_known = parent != known.end();
      parent_open = parent_known ? !parent->second->closed : listed.count(*shard.parent) > 0;
    }
    if (!parent_open) tasks.push_back({shard.id, ShardWork::read});
  }
  return tasks;
}

IteratorStart iterator_start(const std::optional<std::string>& checkpoint) {
  if (checkpoint) return {aws::IteratorType::after_sequence, checkpoint};
  return {aws::IteratorType::trim_horizon, std::nullopt};
}

ReadFailure classify_read_failure(std::string_view error_code) {
  if (error_code == "aws_expired_iterator") return ReadFailure::expired_iterator;
  if (error_code == "aws_trimmed_data") return ReadFailure::trimmed;
  return ReadFailure::other;
}

bool shard_caught_up(bool has_next_iterator, unsigned empty_pages, unsigned needed) {
  return !has_next_iterator || empty_pages >= needed;
}

}  // namespace cruddur::service
