#pragma once

#include <memory>
#include <optional>
#include <string>

#include "cruddur/core/asio.hpp"
#include "cruddur/db/catalog.hpp"
#include "cruddur/db/params.hpp"

namespace cruddur::db {

class PoolScheduler;
class PoolConnection;

/// A connection leased from the Pool inside BEGIN … COMMIT (Pool::begin). Move-only. Dropping it
/// without commit() or rollback() discards the connection (the server rolls back). Not
/// thread-safe: use it from one coroutine at a time. Every method throws the typed DbError of a
/// failure, and cruddur::Error `catalog_misuse` as the Pool's methods do.
class Transaction {
 public:
  /// A finished transaction: every call throws cruddur::Error `transaction_finished`.
  Transaction() = default;
  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&& other) noexcept;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  asio::awaitable<std::string> query_json_array(StatementId id, Params params = {});
  asio::awaitable<std::optional<std::string>> query_json_object(StatementId id, Params params = {});
  asio::awaitable<std::optional<std::string>> query_value(StatementId id, Params params = {});
  asio::awaitable<long> execute(StatementId id, Params params = {});
  asio::awaitable<RowSet> execute_returning(StatementId id, Params params = {});
  /// Commits and gives the connection back. On failure the transaction is over (rolled back).
  asio::awaitable<void> commit();
  asio::awaitable<void> rollback();

 private:
  friend class Pool;
  Transaction(std::shared_ptr<PoolScheduler> scheduler, std::shared_ptr<PoolConnection> connection);
  void finish() noexcept;   ///< gives the connection back (it is checked first)
  void abandon() noexcept;  ///< discards the connection
  std::shared_ptr<PoolScheduler> scheduler_;
  std::shared_ptr<PoolConnection> connection_;
};

}  // namespace cruddur::db
