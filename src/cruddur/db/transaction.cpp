// A transaction on one leased pool connection: its statements skip the queue; the connection
// goes back (checked) on commit or rollback and is discarded when the transaction is dropped.
#include "cruddur/db/transaction.hpp"

#include "pool_bridge.hpp"
#include "pool_scheduler.hpp"

namespace cruddur::db {
namespace {

std::shared_ptr<PoolConnection> live(const std::shared_ptr<PoolConnection>& connection) {
  if (!connection) throw Error("transaction_finished", "the transaction is already finished");
  return connection;
}

}  // namespace

Transaction::Transaction(std::shared_ptr<PoolScheduler> scheduler,
                         std::shared_ptr<PoolConnection> connection)
    : scheduler_(std::move(scheduler)), connection_(std::move(connection)) {}

Transaction::Transaction(Transaction&& other) noexcept
    : scheduler_(std::move(other.scheduler_)), connection_(std::move(other.connection_)) {}

Transaction& Transaction::operator=(Transaction&& other) noexcept {
  if (this != &other) {
    abandon();
    scheduler_ = std::move(other.scheduler_);
    connection_ = std::move(other.connection_);
  }
  return *this;
}

Transaction::~Transaction() {
  abandon();
}

void Transaction::abandon() noexcept {
  if (!connection_) return;
  asio::post(scheduler_->strand(), [scheduler = scheduler_, connection = std::move(connection_)] {
    scheduler->abandon(connection);
  });
}

void Transaction::finish() noexcept {
  if (!connection_) return;
  asio::post(scheduler_->strand(), [scheduler = scheduler_, connection = std::move(connection_)] {
    scheduler->release(connection);
  });
}

asio::awaitable<std::string> Transaction::query_json_array(StatementId id, Params params) {
  auto reply =
      co_await submit(scheduler_, statement_request(scheduler_->catalog(), id, std::move(params),
                                                    Returns::array, live(connection_)));
  co_return std::move(reply.text).value_or("[]");
}

asio::awaitable<std::optional<std::string>> Transaction::query_json_object(StatementId id,
                                                                           Params params) {
  auto reply =
      co_await submit(scheduler_, statement_request(scheduler_->catalog(), id, std::move(params),
                                                    Returns::object, live(connection_)));
  co_return std::move(reply.text);
}

asio::awaitable<std::optional<std::string>> Transaction::query_value(StatementId id,
                                                                     Params params) {
  auto reply =
      co_await submit(scheduler_, statement_request(scheduler_->catalog(), id, std::move(params),
                                                    Returns::value, live(connection_)));
  co_return std::move(reply.text);
}

asio::awaitable<long> Transaction::execute(StatementId id, Params params) {
  auto reply =
      co_await submit(scheduler_, statement_request(scheduler_->catalog(), id, std::move(params),
                                                    Returns::none, live(connection_)));
  co_return reply.affected;
}

asio::awaitable<RowSet> Transaction::execute_returning(StatementId id, Params params) {
  auto reply =
      co_await submit(scheduler_, statement_request(scheduler_->catalog(), id, std::move(params),
                                                    Returns::rows, live(connection_)));
  co_return std::move(reply.rows);
}

asio::awaitable<void> Transaction::commit() {
  try {
    co_await submit(scheduler_, command_request("COMMIT", live(connection_)));
  } catch (...) {
    finish();
    throw;
  }
  finish();
}

asio::awaitable<void> Transaction::rollback() {
  try {
    co_await submit(scheduler_, command_request("ROLLBACK", live(connection_)));
  } catch (...) {
    finish();
    throw;
  }
  finish();
}

}  // namespace cruddur::db
