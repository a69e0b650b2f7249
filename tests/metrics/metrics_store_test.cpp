// The metrics tables against a real PostgreSQL: exactly-once counting under redelivery and
// concurrent appliers, the fenced shard leases, the PostgreSQL metrics and the dashboard's JSON.
#include "cruddur/service/metrics_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "cruddur/service/shard_checkpoints.hpp"
#include "pg_fixture.hpp"

namespace cruddur::service {
namespace {

using db::testing::PgTest;
using nlohmann::json;
using namespace std::chrono_literals;

UtcTime at(const char* iso) {
  return *parse_iso_time(iso);
}

MessageInsert message(const std::string& event_id, const std::string& group, UtcTime time) {
  static std::atomic<long> sequence{1'000'000};
  return MessageInsert{0, event_id, "1100000000000000" + std::to_string(++sequence), group, time};
}

std::string group_uuid(int n) {
  char text[37];
  std::snprintf(text, sizeof(text), "00000000-0000-4000-8000-%012d", n);
  return text;
}

// The keys of one day of the dashboard, sorted and comma-separated.
std::string keys_of_day(const json& day) {
  std::string keys;
  for (const auto& item : day.items()) keys += (keys.empty() ? "" : ",") + item.key();
  return keys;
}

class MetricsStoreTest : public PgTest {
 protected:
  // (day, name) → value of the stream metrics, zeros left out.
  std::map<std::pair<std::string, std::string>, long> stream_counts() {
    auto result = db::Connection::open(url_).exec(
        "SELECT day::text, name, value FROM metrics_daily "
        "WHERE name IN ('messages', 'conversations') AND value <> 0 ORDER BY 1, 2");
    std::map<std::pair<std::string, std::string>, long> counts;
    for (int row = 0; row < result.rows(); ++row) {
      counts[{std::string(result.value(row, 0)), std::string(result.value(row, 1))}] =
          std::stol(std::string(result.value(row, 2)));
    }
    return counts;
  }

  asio::awaitable<ApplyResult> apply_in_transaction(db::Pool& pool, MetricsStore& store,
                                                    std::vector<MessageInsert> messages) {
    auto transaction = co_await pool.begin();
    auto result = co_await store.apply(transaction, messages);
    co_await transaction.commit();
    co_return result;
  }
};

TEST_F(MetricsStoreTest, ARecordIsCountedOnceHoweverOftenItIsApplied) {
  auto& pool = make_pool(options(2));
  MetricsStore store(pool, *catalog_);
  std::vector<MessageInsert> batch{message("e1", group_uuid(1), at("2026-11-30T23:30:00-05:00")),
                                   message("e2", group_uuid(1), at("2026-12-01T09:00:00Z")),
                                   message("e3", group_uuid(2), at("2026-12-02T00:00:00Z"))};
  auto first = run(apply_in_transaction(pool, store, batch));
  EXPECT_EQ(first.received, 3);
  EXPECT_EQ(first.applied, 3);
  EXPECT_EQ(first.conversations, 2);
  auto again = run(apply_in_transaction(pool, store, batch));
  EXPECT_EQ(again.applied, 0);
  EXPECT_EQ(again.duplicates, 3);
  EXPECT_EQ(again.conversations, 0);
  using Key = std::pair<std::string, std::string>;
  std::map<Key, long> expected{{{"2026-12-01", "messages"}, 2},
                               {{"2026-12-01", "conversations"}, 1},
                               {{"2026-12-02", "messages"}, 1},
                               {{"2026-12-02", "conversations"}, 1}};
  EXPECT_EQ(stream_counts(), expected);
}

TEST_F(MetricsStoreTest, ConcurrentAppliersOfOverlappingBatchesCountEverythingOnce) {
  // 240 messages in 12 conversations over 6 days; each message is in two of 16 batches, the
  // batches applied at once on a pool of 4 in random order (as a Lambda retry and a CLI sync
  // might), so every conversation's first message races its later ones.
  auto& pool = make_pool(options(4));
  MetricsStore store(pool, *catalog_);
  std::mt19937 random(20261203);
  std::vector<MessageInsert> messages;
  std::map<std::pair<std::string, std::string>, long> expected;
  std::map<std::string, UtcTime> first_of_group;
  for (int i = 0; i < 240; ++i) {
    auto group = group_uuid(i % 12);
    auto time = at("2026-11-27T00:00:00Z") + std::chrono::minutes(random() % (6 * 24 * 60));
    messages.push_back(message("event-" + std::to_string(i), group, time));
    ++expected[{utc_day(time), "messages"}];
    auto [it, added] = first_of_group.emplace(group, time);
    if (!added && time < it->second) it->second = time;
  }
  for (const auto& [group, time] : first_of_group) ++expected[{utc_day(time), "conversations"}];

  std::vector<std::vector<MessageInsert>> batches(16);
  for (const auto& m : messages) {
    auto a = random() % 16;
    auto b = (a + 1 + random() % 15) % 16;
    batches[a].push_back(m);
    batches[b].push_back(m);
  }
  std::vector<std::future<ApplyResult>> running;
  for (auto& batch : batches) {
    std::shuffle(batch.begin(), batch.end(), random);
    running.push_back(
        asio::co_spawn(io_, apply_in_transaction(pool, store, batch), asio::use_future));
  }
  long applied = 0;
  long duplicates = 0;
  for (auto& result : running) {
    auto done = result.get();
    applied += done.applied;
    duplicates += done.duplicates;
  }
  EXPECT_EQ(applied, 240);
  EXPECT_EQ(duplicates, 240);
  EXPECT_EQ(stream_counts(), expected);
}

TEST_F(MetricsStoreTest, TheCheckpointMovesOnlyWhileTheLeaseIsTheWritersOwn) {
  auto& pool = make_pool(options(2));
  MetricsStore store(pool, *catalog_);
  ShardCheckpoints checkpoints(pool, *catalog_, 60s);
  const std::string arn = "arn:aws:dynamodb:us-east-1:1:table/t/stream/2026";
  run(checkpoints.register_shards(arn, {aws::Shard{"shard-1", std::nullopt, "1", std::nullopt}}));

  auto a = run(checkpoints.take(arn, "shard-1", "syncer-a"));
  ASSERT_TRUE(a.has_value());
  EXPECT_FALSE(a->sequence_number.has_value()) << "a new shard starts at TRIM_HORIZON";
  EXPECT_FALSE(run(checkpoints.take(arn, "shard-1", "syncer-b")).has_value())
      << "a live lease is not taken";

  auto advance_and_apply = [&](const ShardLease& lease, const std::string& event,
                               const std::string& sequence) -> asio::awaitable<bool> {
    auto transaction = co_await pool.begin();
    std::vector<MessageInsert> batch{message(event, group_uuid(7), at("2026-12-01T10:00:00Z"))};
    co_await store.apply(transaction, batch);
    CheckpointUpdate update{sequence, false, 1, 0};
    if (!co_await checkpoints.advance(transaction, lease, update)) {
      co_await transaction.rollback();
      co_return false;
    }
    co_await transaction.commit();
    co_return true;
  };
  EXPECT_TRUE(run(advance_and_apply(*a, "a-1", "900000000000000000000")));

  // The lease runs out (as if syncer-a had been stopped); syncer-b takes the shard over.
  db::Connection::open(url_).exec("UPDATE metrics_stream_shards SET lease_expires_at = now()");
  auto b = run(checkpoints.take(arn, "shard-1", "syncer-b"));
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->sequence_number, "900000000000000000000");
  EXPECT_NE(b->counter, a->counter);

  // syncer-a wakes up with a batch: fenced out, nothing of it is applied.
  EXPECT_FALSE(run(advance_and_apply(*a, "a-2", "900000000000000000001")));
  EXPECT_FALSE(run(checkpoints.renew(*a)));
  EXPECT_TRUE(run(advance_and_apply(*b, "b-1", "1000000000000000000000")));
  using Key = std::pair<std::string, std::string>;
  EXPECT_EQ(stream_counts(), (std::map<Key, long>{{{"2026-12-01", "messages"}, 2},
                                                  {{"2026-12-01", "conversations"}, 1}}));
  // Sequence numbers are kept as numbers: 22 digits after 21.
  auto listed = run(checkpoints.list(arn));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].sequence_number, "1000000000000000000000");
  EXPECT_EQ(listed[0].lease_owner, "syncer-b");

  run(checkpoints.release(*a));  // not a's any more: nothing happens
  EXPECT_FALSE(run(checkpoints.take(arn, "shard-1", "syncer-a")).has_value());
  run(checkpoints.release(*b));
  EXPECT_TRUE(run(checkpoints.take(arn, "shard-1", "syncer-a")).has_value());
}

TEST_F(MetricsStoreTest, PostgresMetricsAreRecomputedIdempotentlyAndTheDashboardHasSevenDays) {
  auto& pool = make_pool(options(2));
  MetricsStore store(pool, *catalog_);
  auto connection = db::Connection::open(url_);
  // The seed has 4 users and 2 activities created now; add users 1, 2 and 9 days ago and
  // activities 3 days ago.
  connection.exec(
      "INSERT INTO users (display_name, handle, email, cognito_user_id, created_at) "
      "SELECT 'U' || d, 'u' || d, 'u' || d || '@example.com', 'sub-' || d, "
      "now() - make_interval(days => d) FROM unnest(ARRAY[1, 2, 9]) AS d");
  connection.exec(
      "INSERT INTO activities (user_uuid, message, created_at, expires_at) "
      "SELECT (SELECT uuid FROM users WHERE handle = 'u1'), 'old ' || i, "
      "now() - interval '3 days', now() + interval '1 day' FROM generate_series(1, 5) AS i");
  run(store.refresh_postgres());
  auto first = json::parse(run(store.dashboard()));
  run(store.refresh_postgres());
  auto second = json::parse(run(store.dashboard()));
  EXPECT_EQ(first, second);

  EXPECT_EQ(second["totals"], json::parse(R"({"users":7,"activities":7})"));
  ASSERT_EQ(second["days"].size(), 7u);
  auto today = connection.exec("SELECT (now() AT TIME ZONE 'UTC')::date::text").one_field();
  EXPECT_EQ(second["days"][6]["day"], today);
  std::vector<long> new_users, new_activities;
  for (const auto& day : second["days"]) {
    EXPECT_EQ(keys_of_day(day), "conversations,day,messages,new_activities,new_users");
    new_users.push_back(day["new_users"].get<long>());
    new_activities.push_back(day["new_activities"].get<long>());
  }
  EXPECT_EQ(new_users, (std::vector<long>{0, 0, 0, 0, 1, 1, 4}));
  EXPECT_EQ(new_activities, (std::vector<long>{0, 0, 0, 5, 0, 0, 2}));
  EXPECT_LT(second["days"][0]["day"].get<std::string>(),
            second["days"][1]["day"].get<std::string>());
}

}  // namespace
}  // namespace cruddur::service
