#pragma once

#include <span>
#include <string>
#include <vector>

#include "cruddur/core/asio.hpp"
#include "cruddur/db/catalog.hpp"
#include "cruddur/service/stream_records.hpp"

namespace cruddur::db {
class Pool;
class Transaction;
}  // namespace cruddur::db

namespace cruddur::service {

/// What metrics/apply_messages did with one batch.
struct ApplyResult {
  long received = 0;       ///< message records given
  long applied = 0;        ///< counted now
  long duplicates = 0;     ///< counted before (their eventID was known): skipped
  long conversations = 0;  ///< conversations counted, or moved to an earlier day, now

  /// From the statement's columns received, applied, duplicates, conversations (as text).
  /// Throws db::CardinalityError when a column is missing or not a number.
  static ApplyResult from_columns(const std::vector<std::string>& columns);
};

/// The metrics tables (docs/metrics.md): the dashboard's numbers, the PostgreSQL metrics, and the
/// counting of message INSERTs read from the stream. Every method throws the pool's DbError.
/// Thread-safe; `pool` must outlive it.
class MetricsStore {
 public:
  /// Resolves its statements; throws db::CatalogError when one is missing.
  MetricsStore(db::Pool& pool, const db::Catalog& catalog);

  /// The body of GET /api/admin/metrics: `{"totals":{"users","activities"},"days":[7 days,
  /// oldest first, each {day, messages, conversations, new_users, new_activities}]}`, JSON built
  /// by PostgreSQL.
  asio::awaitable<std::string> dashboard();

  /// Recomputes new_users and new_activities of the last 7 UTC days and the totals (a rerun
  /// rewrites the same rows), and forgets stream record ids older than two days.
  asio::awaitable<void> refresh_postgres();

  /// Counts `messages` inside `transaction` (which the caller commits, e.g. with its checkpoint):
  /// locks out other appliers until the transaction ends, then applies each record not applied
  /// before. The Lambda runs the same two statements on its own connection.
  asio::awaitable<ApplyResult> apply(db::Transaction& transaction,
                                     std::span<const MessageInsert> messages);

 private:
  db::Pool& pool_;
  db::StatementId dashboard_, refresh_postgres_, prune_, lock_apply_, apply_messages_;
};

}  // namespace cruddur::service
