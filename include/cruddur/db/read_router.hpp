#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cruddur/core/asio.hpp"
#include "cruddur/db/catalog.hpp"
#include "cruddur/db/pool.hpp"
#include "cruddur/db/read_routing.hpp"

namespace cruddur::db {

struct ReadRouterOptions {
  /// One read pool per URL (`READ_CONNECTION_URL`, comma-separated). Empty: every read goes to
  /// the primary and nothing is sampled.
  std::vector<std::string> replica_urls;
  /// `READ_MAX_LAG_MS`: a replica further behind than this serves no reads.
  std::chrono::milliseconds max_lag{1000};
  /// How often the WAL positions are sampled (0: max_lag / 10 within 10..100 ms).
  std::chrono::milliseconds sample_every{0};
};

/// A snapshot for /metrics (`cruddur_db_replica_*`); readable from any thread.
struct ReplicaStats {
  unsigned replicas = 0;
  unsigned usable = 0;  ///< replicas that may serve reads now
  /// The largest lag of the replicas that answer (ms); nullopt when none answers.
  std::optional<double> max_lag_ms;
  bool blind = true;
  std::array<std::uint64_t, kRouteReasons> routed{};  ///< lag-tolerant reads by RouteReason
  std::uint64_t fallbacks = 0;  ///< replica reads that failed, answered by the primary
  std::uint64_t missing_retried =
      0;  ///< replica reads that found no row, asked again of the primary
  std::uint64_t sample_failures = 0;  ///< failed WAL position samples (primary or replica)
  std::size_t marks = 0;              ///< read-your-writes marks remembered
};

/// Read replicas as a layer above the pool: lag-tolerant reads go to a replica when the rules of
/// ReadRouting allow it (within READ_MAX_LAG_MS, past every write the read depends on, and only
/// while this instance hears the writes), else to the primary. A replica read that fails with a
/// database error other than bad input, or finds no row where a row was asked for (it may not
/// have replayed the row yet), is asked again of the primary: a replica never causes an error.
/// Route changes of a replica (lagging, down, back) are logged once each.
///
/// Thread-safe. `catalog` and `primary` must outlive it; it must be closed (or destroyed) before
/// the io_context is.
class ReadRouter {
 public:
  /// Replica pools are sized like `pool_template` (its url is replaced). Resolves the catalog's
  /// `ops/primary_lsn` and `ops/replayed_lsn` (CatalogError when missing).
  ReadRouter(asio::any_io_executor executor, const Catalog& catalog, Pool& primary,
             const PoolOptions& pool_template, ReadRouterOptions options);
  ~ReadRouter();
  ReadRouter(const ReadRouter&) = delete;
  ReadRouter& operator=(const ReadRouter&) = delete;

  /// Starts sampling the WAL positions (nothing without replicas).
  void start();

  /// Pool::query_json_array, routed; `keys` are what the read depends on (cache keys,
  /// `user:<sub>`).
  asio::awaitable<std::string> query_json_array(std::vector<std::string> keys, StatementId id,
                                                Params params);
  /// Pool::execute_returning, routed (for statements that always answer their rows).
  asio::awaitable<RowSet> execute_returning(std::vector<std::string> keys, StatementId id,
                                            Params params);
  /// Pool::query_json_object, routed; a replica's "no row" is asked again of the primary.
  asio::awaitable<std::optional<std::string>> query_json_object(std::vector<std::string> keys,
                                                                StatementId id, Params params);

  /// A write changed `keys` (its commit happened before this call).
  void written(const std::vector<std::string>& keys);
  /// A write changed something unknown: every read depends on it.
  void written_everything();
  /// Writes may go unheard (LISTEN lost, or not confirmed yet): reads go to the primary.
  void blind();
  /// Writes are heard again; reads use replicas once they replayed past this moment.
  void hearing();

  [[nodiscard]] ReplicaStats stats() const;
  /// Stops sampling and closes the replica pools (idempotent; the destructor calls it).
  void close();

 private:
  struct Impl;
  Pool& primary_;
  std::shared_ptr<Impl> impl_;
};

/// The URLs of a comma-separated `READ_CONNECTION_URL` (blanks around commas ignored).
std::vector<std::string> split_urls(const std::string& text);

}  // namespace cruddur::db
