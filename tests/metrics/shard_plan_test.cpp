// The stream sync's pure decisions: lineage order, where to start, read failures, catching up.
#include "cruddur/service/shard_plan.hpp"

#include <gtest/gtest.h>

namespace cruddur::service {
namespace {

aws::Shard shard(const std::string& id, std::optional<std::string> parent = std::nullopt,
                 bool ended = false) {
  return aws::Shard{id, std::move(parent), "100",
                    ended ? std::optional<std::string>("900") : std::nullopt};
}

ShardCheckpoint checkpoint(const std::string& id, bool closed,
                           std::optional<std::string> parent = std::nullopt) {
  return ShardCheckpoint{id, std::move(parent), std::nullopt, closed, std::nullopt, std::nullopt};
}

std::vector<std::string> ids(const std::vector<ShardTask>& tasks, ShardWork work) {
  std::vector<std::string> out;
  for (const auto& task : tasks) {
    if (task.work == work) out.push_back(task.shard_id);
  }
  return out;
}

using Ids = std::vector<std::string>;

TEST(ShardPlan, ChildrenWaitUntilTheirParentIsReadToItsEnd) {
  // p (ended) → c1, c2 (after a split); c1 → g (a later split).
  std::vector<aws::Shard> stream{shard("p", std::nullopt, true), shard("c1", "p", true),
                                 shard("c2", "p"), shard("g", "c1")};
  std::vector<ShardCheckpoint> open{checkpoint("p", false), checkpoint("c1", false, "p"),
                                    checkpoint("c2", false, "p"), checkpoint("g", false, "c1")};
  EXPECT_EQ(ids(plan_shards(stream, open), ShardWork::read), Ids{"p"});

  open[0].closed = true;
  EXPECT_EQ(ids(plan_shards(stream, open), ShardWork::read), (Ids{"c1", "c2"}));
  open[1].closed = true;
  EXPECT_EQ(ids(plan_shards(stream, open), ShardWork::read), (Ids{"c2", "g"}));
}

TEST(ShardPlan, ClosedShardsAndShardsAlreadyHandledAreLeftOut) {
  std::vector<aws::Shard> stream{shard("a"), shard("b")};
  std::vector<ShardCheckpoint> checkpoints{checkpoint("a", true), checkpoint("b", false)};
  EXPECT_EQ(ids(plan_shards(stream, checkpoints), ShardWork::read), Ids{"b"});
  EXPECT_TRUE(plan_shards(stream, checkpoints, {"b"}).empty());
}

TEST(ShardPlan, AParentTrimmedBeforeItWasEverSeenDoesNotBlockItsChild) {
  // The parent is neither in the stream (its records expired) nor in the checkpoints.
  std::vector<aws::Shard> stream{shard("c", "long-gone")};
  EXPECT_EQ(ids(plan_shards(stream, {checkpoint("c", false, "long-gone")}), ShardWork::read),
            Ids{"c"});
}

TEST(ShardPlan, AnOpenShardGoneFromTheStreamIsClosedAsTrimmedBeforeItsChildrenAreRead) {
  // `p` was being read, then its last records expired and the stream stopped listing it.
  std::vector<aws::Shard> stream{shard("c", "p")};
  std::vector<ShardCheckpoint> checkpoints{checkpoint("p", false), checkpoint("c", false, "p")};
  auto tasks = plan_shards(stream, checkpoints);
  EXPECT_EQ(ids(tasks, ShardWork::close_gone), Ids{"p"});
  EXPECT_TRUE(ids(tasks, ShardWork::read).empty()) << "c waits for p to be closed";
  checkpoints[0].closed = true;
  EXPECT_EQ(ids(plan_shards(stream, checkpoints), ShardWork::read), Ids{"c"});
  EXPECT_TRUE(ids(plan_shards(stream, checkpoints), ShardWork::close_gone).empty());
}

TEST(ShardPlan, ReadingStartsAfterTheCheckpointOrAtTheTrimHorizon) {
  auto fresh = iterator_start(std::nullopt);
  EXPECT_EQ(fresh.type, aws::IteratorType::trim_horizon);
  EXPECT_FALSE(fresh.sequence_number.has_value());
  auto resumed = iterator_start(std::string("1100000000017454423058"));
  EXPECT_EQ(resumed.type, aws::IteratorType::after_sequence);
  EXPECT_EQ(resumed.sequence_number, "1100000000017454423058");
}

TEST(ShardPlan, ExpiredIteratorsAndTrimmedRecordsAreRecoverableOthersAreNot) {
  EXPECT_EQ(classify_read_failure("aws_expired_iterator"), ReadFailure::expired_iterator);
  EXPECT_EQ(classify_read_failure("aws_trimmed_data"), ReadFailure::trimmed);
  for (const char* code : {"aws_unavailable", "aws_throttled", "aws_not_found", "aws_denied", ""}) {
    EXPECT_EQ(classify_read_failure(code), ReadFailure::other) << code;
  }
}

TEST(ShardPlan, AShardIsDoneAtItsEndOrAfterEnoughEmptyPages) {
  EXPECT_TRUE(shard_caught_up(false, 0, kEmptyPagesToCatchUp));
  EXPECT_FALSE(shard_caught_up(true, 0, kEmptyPagesToCatchUp));
  EXPECT_FALSE(shard_caught_up(true, kEmptyPagesToCatchUp - 1, kEmptyPagesToCatchUp));
  EXPECT_TRUE(shard_caught_up(true, kEmptyPagesToCatchUp, kEmptyPagesToCatchUp));
  EXPECT_TRUE(shard_caught_up(true, 1, 1));
}

}  // namespace
}  // namespace cruddur::service
