// The routing rules of lag-tolerant reads (db::ReadRouting), with made-up times: LSN parsing, lag
// against an idle or busy primary, read-your-writes marks and their forgetting, down replicas,
// blindness, and READ_CONNECTION_URL splitting.
#include "cruddur/db/read_routing.hpp"

#include <gtest/gtest.h>

#include "cruddur/db/read_router.hpp"

namespace cruddur::db {
namespace {

using namespace std::chrono_literals;
using Clock = ReadRouting::Clock;

class ReadRoutingTest : public ::testing::Test {
 protected:
  // Two replicas, 1 s lag bound, samples trusted 2 s.
  ReadRoutingTest() : routing_(2, {1000ms, 2000ms}) {}

  Clock::time_point at(std::chrono::milliseconds offset) const { return t0_ + offset; }

  // Primary at `position` seen at `ms` (sent 1 ms before); both replicas at `replayed`.
  void sample(std::chrono::milliseconds ms, std::uint64_t position, std::uint64_t replayed) {
    routing_.primary_sampled(at(ms - 1ms), at(ms), position);
    routing_.replica_sampled(0, at(ms), replayed);
    routing_.replica_sampled(1, at(ms), replayed);
  }

  Route route(std::chrono::milliseconds ms, std::vector<std::string> keys = {}) {
    return routing_.route(keys, at(ms));
  }

  Clock::time_point t0_ = Clock::now();
  ReadRouting routing_;
};

TEST(ParseLsn, ReadsPostgresTextForm) {
  EXPECT_EQ(parse_lsn("0/0"), 0u);
  EXPECT_EQ(parse_lsn("0/300CBC0"), 0x300CBC0u);
  EXPECT_EQ(parse_lsn("16/B374D848"), (std::uint64_t{0x16} << 32) | 0xB374D848u);
  EXPECT_EQ(parse_lsn("FFFFFFFF/FFFFFFFF"), ~std::uint64_t{0});
  for (const char* bad :
       {"", "/", "0/", "/0", "12", "0/123456789", "g/0", "0/0 ", "-1/0", "0//0"}) {
    EXPECT_EQ(parse_lsn(bad), std::nullopt) << bad;
  }
}

TEST_F(ReadRoutingTest, BlindUntilWritesAreHeard) {
  sample(0ms, 100, 100);
  sample(1500ms, 100, 100);
  EXPECT_EQ(route(1500ms).reason, RouteReason::blind);
  routing_.hearing(at(1500ms));
  // What was missed before: every read waits for a primary sample sent after hearing began.
  EXPECT_EQ(route(1500ms).reason, RouteReason::fresh);
  sample(1600ms, 100, 100);
  EXPECT_EQ(route(1600ms).reason, RouteReason::replica);
  routing_.blind();
  EXPECT_EQ(route(1600ms).reason, RouteReason::blind);
}

TEST_F(ReadRoutingTest, NoReplicasMeansThePrimary) {
  ReadRouting none(0, {});
  none.hearing(at(0ms));
  none.written({"v1:home"}, at(0ms));
  EXPECT_EQ(none.route({"v1:home"}, at(0ms)).reason, RouteReason::no_replicas);
  EXPECT_EQ(none.marks(), 0u);
}

TEST_F(ReadRoutingTest, AnIdlePrimaryNeverMakesAReplicaLookBehind) {
  routing_.hearing(at(0ms));
  for (int ms = 0; ms <= 60'000; ms += 100) sample(std::chrono::milliseconds(ms), 5000, 5000);
  EXPECT_EQ(routing_.lag(0, at(60'000ms)), 0ms);
  EXPECT_TRUE(routing_.usable(0, at(60'000ms)));
  EXPECT_EQ(route(60'000ms).reason, RouteReason::replica);
}

TEST_F(ReadRoutingTest, AReplicaBehindTheBoundIsSkipped) {
  routing_.hearing(at(0ms));
  // The primary moves on every 100 ms; replica 0 stops at what the primary had at 500 ms.
  for (int ms = 0; ms <= 3000; ms += 100) {
    auto now = std::chrono::milliseconds(ms);
    routing_.primary_sampled(at(now - 1ms), at(now), 1000 + static_cast<std::uint64_t>(ms));
    routing_.replica_sampled(0, at(now), 1000 + static_cast<std::uint64_t>(std::min(ms, 500)));
    routing_.replica_sampled(1, at(now), 1000 + static_cast<std::uint64_t>(ms));
  }
  EXPECT_FALSE(routing_.usable(0, at(3000ms)));
  EXPECT_TRUE(routing_.usable(1, at(3000ms)));
  EXPECT_GE(*routing_.lag(0, at(3000ms)), 2400ms);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(route(3000ms).replica, std::optional<std::size_t>(1));
  routing_.replica_failed(1);
  EXPECT_EQ(route(3000ms).reason, RouteReason::lagging);
}

TEST_F(ReadRoutingTest, WithinTheBoundBothReplicasShareTheReads) {
  routing_.hearing(at(0ms));
  for (int ms = 0; ms <= 2000; ms += 100) {
    auto now = std::chrono::milliseconds(ms);
    // Replicas 300 ms behind a busy primary: within the 1 s bound.
    routing_.primary_sampled(at(now - 1ms), at(now), 1000 + static_cast<std::uint64_t>(ms));
    auto replayed = 1000 + static_cast<std::uint64_t>(std::max(0, ms - 300));
    routing_.replica_sampled(0, at(now), replayed);
    routing_.replica_sampled(1, at(now), replayed);
  }
  std::array<int, 2> reads{};
  for (int i = 0; i < 10; ++i) ++reads.at(route(2000ms).replica.value());
  EXPECT_EQ(reads[0], 5);
  EXPECT_EQ(reads[1], 5);
}

TEST_F(ReadRoutingTest, StaleSamplesAreNotTrusted) {
  routing_.hearing(at(0ms));
  sample(0ms, 100, 100);
  sample(1000ms, 100, 100);
  EXPECT_EQ(route(1000ms).reason, RouteReason::replica);
  // Nothing sampled for longer than stale_after: the replica may be hung.
  EXPECT_EQ(route(3500ms).reason, RouteReason::lagging);
  // The primary sampled, a replica not: only the primary's samples are fresh.
  routing_.primary_sampled(at(3599ms), at(3600ms), 100);
  EXPECT_EQ(route(3600ms).reason, RouteReason::lagging);
}

TEST_F(ReadRoutingTest, ReadYourWritesWaitsForAReplicaPastTheWrite) {
  routing_.hearing(at(0ms));
  sample(0ms, 100, 100);
  sample(1000ms, 100, 100);
  routing_.written({"v1:home", "user:alice"}, at(1010ms));
  // Not resolved yet: no primary sample was sent after the write was heard.
  EXPECT_EQ(route(1010ms, {"v1:home"}).reason, RouteReason::fresh);
  EXPECT_EQ(route(1010ms, {"user:alice"}).reason, RouteReason::fresh);
  EXPECT_EQ(route(1010ms, {"user:bob"}).reason, RouteReason::replica);
  EXPECT_EQ(route(1010ms).reason, RouteReason::replica);
  // A sample sent before the write was heard does not cover it.
  routing_.primary_sampled(at(1005ms), at(1020ms), 150);
  EXPECT_EQ(route(1020ms, {"v1:home"}).reason, RouteReason::fresh);
  // One sent after it does: the write is at or below 200; the replicas are at 150.
  routing_.primary_sampled(at(1030ms), at(1031ms), 200);
  routing_.replica_sampled(0, at(1031ms), 150);
  routing_.replica_sampled(1, at(1031ms), 150);
  EXPECT_EQ(route(1031ms, {"v1:home"}).reason, RouteReason::fresh);
  EXPECT_EQ(route(1031ms, {"user:bob"}).reason, RouteReason::replica);
  // Replica 1 replays past it: reads of the key go there, and only there.
  routing_.replica_sampled(1, at(1040ms), 200);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(route(1040ms, {"v1:home"}).replica, std::optional<std::size_t>(1));
  }
}

TEST_F(ReadRoutingTest, ARewrittenKeyWaitsForTheNewerWrite) {
  routing_.hearing(at(0ms));
  sample(0ms, 100, 100);
  sample(1000ms, 100, 100);
  routing_.written({"k"}, at(1001ms));
  sample(1010ms, 200, 200);
  EXPECT_EQ(route(1010ms, {"k"}).reason, RouteReason::replica);
  routing_.written({"k"}, at(1011ms));
  EXPECT_EQ(route(1011ms, {"k"}).reason, RouteReason::fresh);
  routing_.primary_sampled(at(1020ms), at(1021ms), 300);
  EXPECT_EQ(route(1021ms, {"k"}).reason, RouteReason::fresh);  // replicas at 200 < 300
  routing_.replica_sampled(0, at(1022ms), 300);
  EXPECT_EQ(route(1022ms, {"k"}).replica, std::optional<std::size_t>(0));
}

TEST_F(ReadRoutingTest, MarksAreForgottenOnceEveryUsableReplicaMustHaveThem) {
  routing_.hearing(at(0ms));
  for (int ms = 0; ms <= 10'000; ms += 100) {
    auto now = std::chrono::milliseconds(ms);
    routing_.written({"user:" + std::to_string(ms)}, at(now - 50ms));
    sample(now, static_cast<std::uint64_t>(ms), static_cast<std::uint64_t>(ms));
  }
  // About 2 × max_lag of marks remain (a margin for reads timed a little earlier), not 100.
  EXPECT_LE(routing_.marks(), 25u);
  EXPECT_GE(routing_.marks(), 5u);
  EXPECT_EQ(route(10'000ms, {"user:0"}).reason, RouteReason::replica);
}

TEST_F(ReadRoutingTest, AWriteOfUnknownKeysHoldsEveryRead) {
  routing_.hearing(at(0ms));
  sample(0ms, 100, 100);
  sample(1000ms, 100, 100);
  routing_.written_everything(at(1001ms));
  EXPECT_EQ(route(1001ms, {"anything"}).reason, RouteReason::fresh);
  EXPECT_EQ(route(1001ms).reason, RouteReason::fresh);
  sample(1010ms, 120, 120);
  EXPECT_EQ(route(1010ms).reason, RouteReason::replica);
}

TEST_F(ReadRoutingTest, ANewPrimaryStartsTheLagHistoryAgain) {
  routing_.hearing(at(0ms));
  sample(0ms, 9000, 9000);
  sample(1000ms, 9000, 9000);
  EXPECT_EQ(route(1000ms).reason, RouteReason::replica);
  // A restored or failed-over primary whose WAL position is lower: nothing old is comparable.
  sample(1100ms, 50, 50);
  EXPECT_EQ(route(1100ms).replica, std::nullopt);
  sample(2200ms, 50, 50);
  EXPECT_EQ(route(2200ms).reason, RouteReason::replica);
}

TEST(SplitUrls, CommasBetweenUrlsNotBetweenHosts) {
  EXPECT_EQ(split_urls(""), std::vector<std::string>{});
  EXPECT_EQ(split_urls("postgresql://a/db"), std::vector<std::string>{"postgresql://a/db"});
  EXPECT_EQ(split_urls("postgresql://a/db, postgres://b:5433/db ,"),
            (std::vector<std::string>{"postgresql://a/db", "postgres://b:5433/db"}));
  // libpq's multi-host URL stays whole.
  EXPECT_EQ(split_urls("postgresql://a:5432,b:5433/db?target_session_attrs=any"),
            std::vector<std::string>{"postgresql://a:5432,b:5433/db?target_session_attrs=any"});
  EXPECT_EQ(split_urls("postgresql://a,b/db,postgresql://c/db"),
            (std::vector<std::string>{"postgresql://a,b/db", "postgresql://c/db"}));
}

}  // namespace
}  // namespace cruddur::db
