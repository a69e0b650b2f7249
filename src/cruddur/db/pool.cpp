// The Pool's public face: options, statement methods and begin(), each a request to the scheduler.
#include "cruddur/db/pool.hpp"

#include <algorithm>
#include <thread>

#include "pool_bridge.hpp"
#include "pool_scheduler.hpp"

namespace cruddur::db {

std::string_view to_string(DiscardReason reason) {
  switch (reason) {
    case DiscardReason::broken:
      return "broken";
    case DiscardReason::lifetime:
      return "lifetime";
    case DiscardReason::idle_check_failed:
      return "idle_check_failed";
    case DiscardReason::abandoned_transaction:
      return "abandoned_transaction";
    case DiscardReason::not_idle:
      return "not_idle";
    case DiscardReason::closed:
      return "closed";
  }
  return "unknown";
}

PoolOptions PoolOptions::from_config(const core::Config& config, std::string url) {
  PoolOptions options;
  options.url = std::move(url);
  options.size = config.db_pool_size != 0 ? config.db_pool_size
                                          : std::max(1U, 2 * std::thread::hardware_concurrency());
  options.acquire_timeout = config.db_acquire_timeout;
  options.statement_timeout = config.db_statement_timeout;
  options.prepared = config.db_prepared;
  return options;
}

Pool::Pool(asio::any_io_executor executor, const Catalog& catalog, PoolOptions options)
    : scheduler_(
        std::make_shared<PoolScheduler>(std::move(executor), catalog, std::move(options))) {
  asio::post(scheduler_->strand(), [scheduler = scheduler_] { scheduler->start(); });
}

Pool::~Pool() {
  close();
}

void Pool::close() {
  asio::post(scheduler_->strand(), [scheduler = scheduler_] { scheduler->shutdown(); });
}

PoolStats Pool::stats() const {
  return scheduler_->stats();
}

asio::awaitable<std::string> Pool::query_json_array(StatementId id, Params params) {
  auto reply = co_await submit(
      scheduler_,
      statement_request(scheduler_->catalog(), id, std::move(params), Returns::array, nullptr));
  co_return std::move(reply.text).value_or("[]");
}

asio::awaitable<std::optional<std::string>> Pool::query_json_object(StatementId id, Params params) {
  auto reply = co_await submit(
      scheduler_,
      statement_request(scheduler_->catalog(), id, std::move(params), Returns::object, nullptr));
  co_return std::move(reply.text);
}

asio::awaitable<std::optional<std::string>> Pool::query_value(StatementId id, Params params) {
  auto reply = co_await submit(
      scheduler_,
      statement_request(scheduler_->catalog(), id, std::move(params), Returns::value, nullptr));
  co_return std::move(reply.text);
}

asio::awaitable<long> Pool::execute(StatementId id, Params params) {
  auto reply = co_await submit(
      scheduler_,
      statement_request(scheduler_->catalog(), id, std::move(params), Returns::none, nullptr));
  co_return reply.affected;
}

asio::awaitable<RowSet> Pool::execute_returning(StatementId id, Params params) {
  auto reply = co_await submit(
      scheduler_,
      statement_request(scheduler_->catalog(), id, std::move(params), Returns::rows, nullptr));
  co_return std::move(reply.rows);
}

asio::awaitable<Transaction> Pool::begin() {
  auto lease = std::make_unique<Request>();
  lease->kind = Request::Kind::lease;
  auto reply = co_await submit(scheduler_, std::move(lease));
  Transaction transaction(scheduler_, std::move(reply.lease));
  co_await submit(scheduler_, command_request("BEGIN", transaction.connection_));
  co_return transaction;
}

}  // namespace cruddur::db
