// The metrics tables: dashboard read, PostgreSQL metrics refresh, stream increments.
#include "cruddur/service/metrics_store.hpp"

#include <charconv>

#include "cruddur/db/errors.hpp"
#include "cruddur/db/pool.hpp"

namespace cruddur::service {
namespace {

long parse_count(const std::string& text) {
  long value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc{} || ptr != end) {
    throw db::CardinalityError("metrics/apply_messages returned a count that is not a number");
  }
  return value;
}

}  // namespace

ApplyResult ApplyResult::from_columns(const std::vector<std::string>& columns) {
  if (columns.size() < 4) {
    throw db::CardinalityError("metrics/apply_messages returned fewer than four columns");
  }
  return ApplyResult{parse_count(columns[0]), parse_count(columns[1]), parse_count(columns[2]),
                     parse_count(columns[3])};
}

MetricsStore::MetricsStore(db::Pool& pool, const db::Catalog& catalog)
    : pool_(pool),
      dashboard_(catalog.id("metrics/dashboard")),
      refresh_postgres_(catalog.id("metrics/refresh_postgres")),
      prune_(catalog.id("metrics/prune_stream_records")),
      lock_apply_(catalog.id("metrics/lock_apply")),
      apply_messages_(catalog.id("metrics/apply_messages")) {}

asio::awaitable<std::string> MetricsStore::dashboard() {
  auto json = co_await pool_.query_json_object(dashboard_);
  if (!json) throw db::CardinalityError("metrics/dashboard returned no row");
  co_return std::move(*json);
}

asio::awaitable<void> MetricsStore::refresh_postgres() {
  co_await pool_.execute(refresh_postgres_);
  co_await pool_.execute(prune_);
}

asio::awaitable<ApplyResult> MetricsStore::apply(db::Transaction& transaction,
                                                 std::span<const MessageInsert> messages) {
  co_await transaction.execute(lock_apply_);
  // Named, not a braced temporary: g++ 12 destroys temporaries inside co_await twice.
  db::Params params{apply_messages_parameter(messages)};
  auto result = co_await transaction.execute_returning(apply_messages_, std::move(params));
  if (result.rows.size() != 1) throw db::CardinalityError("metrics/apply_messages: not one row");
  std::vector<std::string> columns;
  for (const auto& value : result.rows.front()) columns.push_back(value.value_or(""));
  co_return ApplyResult::from_columns(columns);
}

}  // namespace cruddur::service
