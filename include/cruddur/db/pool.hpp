#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cruddur/core/asio.hpp"
#include "cruddur/core/config.hpp"
#include "cruddur/db/catalog.hpp"
#include "cruddur/db/params.hpp"
#include "cruddur/db/transaction.hpp"

namespace cruddur::db {

/// Why the pool closed an established connection (each one is also logged).
enum class DiscardReason {
  broken,                 ///< the server closed it or the socket failed
  lifetime,               ///< older than its (jittered) lifetime
  idle_check_failed,      ///< the liveness check after idling failed
  abandoned_transaction,  ///< a Transaction was dropped without commit or rollback
  not_idle,               ///< came back inside a transaction or with work pending
  closed,                 ///< the pool was closed
};
inline constexpr std::size_t kDiscardReasons = 6;
std::string_view to_string(DiscardReason reason);

/// Pool knobs. `from_config` reads DB_POOL_SIZE, DB_ACQUIRE_TIMEOUT_MS, DB_STATEMENT_TIMEOUT_MS,
/// DB_PREPARED.
struct PoolOptions {
  std::string url;  ///< any libpq URL; `application_name` in it wins over `cruddur`
  unsigned size = 4;
  std::chrono::milliseconds acquire_timeout{5000};    ///< longest wait in the queue
  std::chrono::milliseconds statement_timeout{5000};  ///< server-side `statement_timeout`
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds max_lifetime{std::chrono::minutes(30)};  ///< ±10 % jitter
  std::chrono::milliseconds idle_check_after{std::chrono::seconds(30)};
  std::chrono::milliseconds reconnect_backoff_min{100};
  /// At most 1 s, so that requests succeed again within about a second of the database's return.
  std::chrono::milliseconds reconnect_backoff_max{1000};
  unsigned pipeline_depth = 16;  ///< requests in flight on one connection
  /// false (`DB_PREPARED=off`, for transaction poolers): nothing lives in the session — each
  /// statement is sent unnamed with its parameters, and `TimeZone=UTC` and `statement_timeout` are
  /// set for its own implicit transaction by a `set_config(…, true)` in the same pipeline (no
  /// extra round trip) instead of as startup options, which PgBouncer refuses.
  bool prepared = true;

  /// Options for `url` with the pool knobs of `config` (size 0 = 2 × cores, DB_PREPARED).
  static PoolOptions from_config(const core::Config& config, std::string url);
};

/// A consistent-enough snapshot (each field is read atomically). Readable from any thread.
struct PoolStats {
  unsigned size = 0;           ///< configured connections
  unsigned idle = 0;           ///< connected, nothing in flight, not leased
  unsigned busy = 0;           ///< connected with requests in flight or leased to a transaction
  unsigned connecting = 0;     ///< connecting, preparing, or waiting to reconnect
  unsigned waiting = 0;        ///< requests queued for a connection
  std::uint64_t requests = 0;  ///< requests submitted (statements, transactions, leases)
  std::uint64_t acquire_timeouts = 0;  ///< requests failed with PoolTimeout
  std::uint64_t reconnects = 0;        ///< connections established to replace a lost one
  std::uint64_t connect_failures = 0;  ///< failed connection attempts
  std::array<std::uint64_t, kDiscardReasons> discards{};  ///< indexed by DiscardReason
};

class PoolScheduler;

/// Fixed-size pool of non-blocking libpq connections driven by an Asio executor: no thread ever
/// waits on the database. Every catalog statement is prepared once per connection (unless
/// `prepared` is off); connections run in pipeline mode so concurrent requests share round trips.
/// Statements run with `TimeZone=UTC`, `statement_timeout` and application_name `cruddur` (unless
/// the URL names one): session settings, or per statement when `prepared` is off.
///
/// Failures: PoolTimeout when no connection is free within `acquire_timeout`; ConnectionError at
/// once while the server is unreachable (the pool keeps reconnecting with capped backoff);
/// otherwise the typed DbError of the SQLSTATE. cruddur::Error `catalog_misuse` (before anything
/// is sent) when the method does not match the statement's `returns:` or the parameter count is
/// wrong.
/// Thread-safe: call it from any coroutine on any thread. The pool's own state lives on a strand;
/// a caller resumes on its own executor, queued after the strand's work, never inside it.
/// `catalog` must outlive the pool, and the pool must be destroyed before its io_context.
class Pool {
 public:
  Pool(asio::any_io_executor executor, const Catalog& catalog, PoolOptions options);
  /// Closes every connection; requests still queued fail with ConnectionError.
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  /// `returns: array` statements: the JSON array text, `[]` when no row.
  asio::awaitable<std::string> query_json_array(StatementId id, Params params = {});
  /// `returns: object` statements: the JSON object text; nullopt when no row. CardinalityError
  /// when more than one row.
  asio::awaitable<std::optional<std::string>> query_json_object(StatementId id, Params params = {});
  /// `returns: value` statements: the single field; nullopt when no row or NULL.
  asio::awaitable<std::optional<std::string>> query_value(StatementId id, Params params = {});
  /// `returns: none` statements: the number of rows affected.
  asio::awaitable<long> execute(StatementId id, Params params = {});
  /// `returns: rows` statements (writes with RETURNING): the returned rows.
  asio::awaitable<RowSet> execute_returning(StatementId id, Params params = {});
  /// Leases one connection for BEGIN … COMMIT (waits like any request).
  asio::awaitable<Transaction> begin();

  [[nodiscard]] PoolStats stats() const;
  /// Closes the connections now (idempotent; the destructor calls it).
  void close();

 private:
  std::shared_ptr<PoolScheduler> scheduler_;
};

}  // namespace cruddur::db
