// The connection pool: queue, dispatch, reconnect with backoff, lifetimes, stats, awaitable API.
#include "cruddur/db/pool.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

#include "cruddur/core/redact.hpp"
#include "cruddur/db/conninfo.hpp"
#include "cruddur/db/errors.hpp"
#include "pool_connection.hpp"

namespace cruddur::db {
namespace {

using std::chrono::milliseconds;

// How long after the statement timeout a queued read is answered (see bound_answer).
constexpr milliseconds kAnswerGrace{100};

std::string session_options(const std::string& url, milliseconds statement_timeout) {
  auto existing = ConnInfo(url).get("options");
  return fmt::format("{}{}-c TimeZone=UTC -c statement_timeout={}", existing,
                     existing.empty() ? "" : " ", statement_timeout.count());
}

// The error's message on one line (libpq's messages span several), for the log.
std::string describe(const std::exception_ptr& error) {
  std::string message = "unknown error";
  try {
    if (error) std::rethrow_exception(error);
  } catch (const std::exception& e) {
    message = e.what();
  }
  std::string line;
  for (char c : message) {
    bool space = c == '\n' || c == '\t' || c == ' ';
    if (!space)
      line += c;
    else if (!line.empty() && line.back() != ' ')
      line += ' ';
  }
  return line;
}

template <typename T>
std::exception_ptr as_exception(T error) {
  return std::make_exception_ptr(std::move(error));
}

// Hands the Reply to a coroutine's completion handler on that coroutine's own executor: inline when
// this thread already runs that executor (saves a queue hop and a wake-up per request; the pool
// never calls in while its own state is mid-update, and everything the caller does next goes
// through the strand's queue), queued otherwise.
template <typename Handler>
class HandlerCompletion final : public Completion {
 public:
  explicit HandlerCompletion(Handler handler) : handler_(std::move(handler)) {}
  void complete(std::exception_ptr error, Reply reply) override {
    auto executor = asio::get_associated_executor(handler_);
    asio::dispatch(executor,
                   [handler = std::move(handler_), error = std::move(error),
                    reply = std::move(reply)]() mutable { handler(error, std::move(reply)); });
  }

 private:
  Handler handler_;
};

}  // namespace

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
  return options;
}

/// The pool's state. Every member function except stats() runs on strand_.
class PoolImpl : public std::enable_shared_from_this<PoolImpl> {
 public:
  PoolImpl(asio::any_io_executor executor, const Catalog& catalog, PoolOptions options)
      : strand_(asio::make_strand(executor)),
        catalog_(catalog),
        options_(std::move(options)),
        settings_{options_.url, session_options(options_.url, options_.statement_timeout),
                  options_.connect_timeout},
        slots_(options_.size),
        acquire_timer_(strand_),
        maintenance_timer_(strand_),
        random_(std::random_device{}()) {
    if (options_.size == 0) throw Error("invalid_config", "the pool size must be at least 1");
    for (auto& slot : slots_) slot.backoff = std::make_unique<asio::steady_timer>(strand_);
    connecting_ = options_.size;
  }

  Strand& strand() { return strand_; }
  const Catalog& catalog() const { return catalog_; }

  void start() {
    for (std::size_t i = 0; i < slots_.size(); ++i) connect(i);
    schedule_maintenance();
  }

  void submit(std::unique_ptr<Request> request) {
    ++requests_;
    if (closed_) return fail_request(*request, as_exception(ConnectionError("the pool is closed")));
    if (request->target) {
      auto target = std::move(request->target);
      if (target->state() != PoolConnection::State::ready) {
        auto error = target->error() ? target->error()
                                     : as_exception(ConnectionError("the connection was closed"));
        return fail_request(*request, error);
      }
      target->send(std::move(request));
      return publish();
    }
    if (down_error_ && !any_ready()) return fail_request(*request, down_error_);
    request->deadline = Clock::now() + options_.acquire_timeout;
    waiting_.push_back(std::move(request));
    dispatch();
  }

  // A transaction ended (commit or rollback): the connection goes back only if clean.
  void release(const std::shared_ptr<PoolConnection>& connection) {
    connection->leased = false;
    auto slot = slot_of(*connection);
    if (slot == slots_.size()) return;  // already replaced
    if (!connection->clean()) return discard(slot, DiscardReason::not_idle);
    if (connection->retiring) return discard(slot, DiscardReason::lifetime);
    connection->idle_since = Clock::now();
    dispatch();
  }

  void abandon(const std::shared_ptr<PoolConnection>& connection) {
    connection->leased = false;
    auto slot = slot_of(*connection);
    if (slot != slots_.size()) discard(slot, DiscardReason::abandoned_transaction);
  }

  void shutdown() {
    if (closed_) return;
    closed_ = true;
    fail_waiting(as_exception(ConnectionError("the pool is closed")));
    acquire_timer_.cancel();
    maintenance_timer_.cancel();
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      slots_[i].backoff->cancel();
      if (slots_[i].connection) discard(i, DiscardReason::closed);
    }
    publish();
  }

  PoolStats stats() const {
    PoolStats stats;
    stats.size = options_.size;
    stats.idle = idle_;
    stats.busy = busy_;
    stats.connecting = connecting_;
    stats.waiting = waiting_count_;
    stats.requests = requests_;
    stats.acquire_timeouts = acquire_timeouts_;
    stats.reconnects = reconnects_;
    stats.connect_failures = connect_failures_;
    for (std::size_t i = 0; i < kDiscardReasons; ++i) stats.discards[i] = discards_[i];
    return stats;
  }

 private:
  struct Slot {
    std::shared_ptr<PoolConnection> connection;
    std::unique_ptr<asio::steady_timer> backoff;
    unsigned failures = 0;  ///< consecutive failed attempts
    bool ever_connected = false;
  };

  void connect(std::size_t slot) {
    if (closed_) return;
    auto weak = weak_from_this();
    auto connection = std::make_shared<PoolConnection>(strand_, catalog_, settings_,
                                                       [weak, slot](PoolConnection& changed) {
                                                         if (auto self = weak.lock())
                                                           self->on_event(slot, changed);
                                                       });
    slots_[slot].connection = connection;
    connection->start();
    publish();
  }

  // Capped exponential backoff with jitter; the first attempt after a loss is immediate.
  void schedule_connect(std::size_t index) {
    if (closed_) return;
    auto& slot = slots_[index];
    if (slot.failures == 0) return connect(index);
    auto exponent = std::min(slot.failures - 1, 16U);
    auto ceiling = std::min<long long>(options_.reconnect_backoff_max.count(),
                                       options_.reconnect_backoff_min.count() << exponent);
    std::uniform_int_distribution<long long> jitter(ceiling / 2, ceiling);
    slot.backoff->expires_after(milliseconds(jitter(random_)));
    slot.backoff->async_wait([weak = weak_from_this(), index](boost::system::error_code ec) {
      auto self = weak.lock();
      if (!ec && self) self->connect(index);
    });
  }

  void on_event(std::size_t index, PoolConnection& connection) {
    auto& slot = slots_[index];
    if (slot.connection.get() != &connection) return;
    auto now = Clock::now();
    if (connection.state() == PoolConnection::State::closed) {
      if (connection.was_ready) {
        return discard(
            index, connection.checking ? DiscardReason::idle_check_failed : DiscardReason::broken);
      }
      ++connect_failures_;
      ++slot.failures;
      down_error_ = connection.error();
      spdlog::warn("db pool: connecting to {} failed (attempt {}): {}", display_, slot.failures,
                   describe(down_error_));
      slot.connection.reset();
      schedule_connect(index);
    } else if (connection.state() == PoolConnection::State::ready) {
      if (!connection.was_ready) on_established(slot, connection, now);
      if (connection.in_flight() == 0) {
        connection.checking = false;
        connection.idle_since = now;
        if (connection.retiring && !connection.leased) {
          return discard(index, DiscardReason::lifetime);
        }
      }
    }
    dispatch();
  }

  void on_established(Slot& slot, PoolConnection& connection, Clock::time_point now) {
    connection.was_ready = true;
    if (slot.ever_connected) ++reconnects_;
    slot.ever_connected = true;
    slot.failures = 0;
    down_error_ = nullptr;
    auto lifetime = std::chrono::duration<double, std::milli>(options_.max_lifetime);
    std::uniform_real_distribution<double> jitter(0.9, 1.1);
    connection.expires_at =
        now + std::chrono::duration_cast<Clock::duration>(lifetime * jitter(random_));
  }

  void discard(std::size_t index, DiscardReason reason) {
    auto connection = std::move(slots_[index].connection);
    auto detail = connection->error() ? ": " + describe(connection->error()) : std::string();
    auto level = reason == DiscardReason::lifetime || reason == DiscardReason::closed
                     ? spdlog::level::info
                     : spdlog::level::warn;
    spdlog::log(level, "db pool: closing connection (backend pid {}) to {}: {}{}",
                connection->backend_pid(), display_, to_string(reason), detail);
    connection->close(fmt::format("the connection was closed by the pool ({})", to_string(reason)));
    ++discards_[static_cast<std::size_t>(reason)];
    slots_[index].failures = 0;
    schedule_connect(index);
    dispatch();
  }

  [[nodiscard]] bool any_ready() const {
    return std::any_of(slots_.begin(), slots_.end(), [](const Slot& slot) {
      return slot.connection && slot.connection->state() == PoolConnection::State::ready;
    });
  }

  // The ready connection with the fewest requests in flight that can take one more; exclusive
  // (transaction) leases need one with nothing in flight.
  PoolConnection* pick(bool exclusive) {
    PoolConnection* best = nullptr;
    for (auto& slot : slots_) {
      auto* connection = slot.connection.get();
      if (connection == nullptr || connection->state() != PoolConnection::State::ready
          || connection->leased || connection->retiring) {
        continue;
      }
      auto load = connection->in_flight();
      if (exclusive ? load != 0 : load >= options_.pipeline_depth) continue;
      if (best == nullptr || load < best->in_flight()) best = connection;
    }
    return best;
  }

  void dispatch() {
    if (dispatching_) {
      redispatch_ = true;
      return;
    }
    dispatching_ = true;
    do {
      redispatch_ = false;
      if (!waiting_.empty() && down_error_ && !any_ready()) fail_waiting(down_error_);
      while (!waiting_.empty()) {
        auto* connection = pick(waiting_.front()->kind == Request::Kind::lease);
        if (connection == nullptr) break;
        auto request = std::move(waiting_.front());
        waiting_.pop_front();
        if (request->kind == Request::Kind::lease) {
          connection->leased = true;
          Reply reply;
          reply.lease = connection->shared_from_this();
          auto completion = std::move(request->completion);
          completion->complete(nullptr, std::move(reply));
        } else {
          bound_answer(*request);
          connection->send(std::move(request));
        }
      }
    } while (redispatch_);
    dispatching_ = false;
    arm_acquire_timer();
    publish();
  }

  // A read waits in the pipeline for the statements ahead of it, each of which may run up to the
  // statement timeout: it is answered with a timeout at most that long (plus a little, so the
  // server's own timeout answers the statement at the head) after it was sent. Writes are not:
  // their 504 must mean "not stored", so they always wait for the server's answer.
  void bound_answer(Request& request) const {
    if (request.kind != Request::Kind::statement
        || !catalog_.statements().at(request.statement).read_only) {
      return;
    }
    request.answer_by = Clock::now() + options_.statement_timeout + kAnswerGrace;
  }

  void fail_waiting(const std::exception_ptr& error) {
    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (auto& request : waiting) fail_request(*request, error);
  }

  void arm_acquire_timer() {
    if (waiting_.empty()) return;
    auto deadline = waiting_.front()->deadline;
    if (acquire_armed_ && acquire_deadline_ <= deadline) return;
    acquire_armed_ = true;
    acquire_deadline_ = deadline;
    acquire_timer_.expires_at(deadline);
    acquire_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      self->acquire_armed_ = false;
      self->on_acquire_timeout();
    });
  }

  void on_acquire_timeout() {
    auto now = Clock::now();
    while (!waiting_.empty() && waiting_.front()->deadline <= now) {
      auto request = std::move(waiting_.front());
      waiting_.pop_front();
      ++acquire_timeouts_;
      fail_request(
          *request,
          as_exception(PoolTimeout(fmt::format("no database connection became free within {} ms",
                                               options_.acquire_timeout.count()))));
    }
    arm_acquire_timer();
    publish();
  }

  void schedule_maintenance() {
    auto period = std::clamp(options_.idle_check_after / 2, milliseconds(10), milliseconds(1000));
    maintenance_timer_.expires_after(period);
    maintenance_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || self->closed_) return;
      self->maintain();
      self->schedule_maintenance();
    });
  }

  // Retires connections past their lifetime and checks the ones idle for a while.
  void maintain() {
    auto now = Clock::now();
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      auto connection = slots_[i].connection;
      if (!connection || connection->state() != PoolConnection::State::ready
          || connection->leased) {
        continue;
      }
      if (!connection->retiring && now >= connection->expires_at) {
        connection->retiring = true;
        if (connection->in_flight() == 0) discard(i, DiscardReason::lifetime);
      } else if (connection->in_flight() == 0 && !connection->checking
                 && now - connection->idle_since >= options_.idle_check_after) {
        auto check = std::make_unique<Request>();
        check->kind = Request::Kind::command;
        check->command = "SELECT 1";
        connection->checking = true;
        connection->send(std::move(check));
      }
    }
    publish();
  }

  std::size_t slot_of(const PoolConnection& connection) const {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i].connection.get() == &connection) return i;
    }
    return slots_.size();
  }

  void publish() {
    unsigned idle = 0;
    unsigned busy = 0;
    for (const auto& slot : slots_) {
      const auto* connection = slot.connection.get();
      if (connection == nullptr || connection->state() != PoolConnection::State::ready) continue;
      bool working = connection->leased || connection->in_flight() > 0;
      ++(working ? busy : idle);
    }
    idle_ = idle;
    busy_ = busy;
    connecting_ = options_.size - idle - busy;
    waiting_count_ = static_cast<unsigned>(waiting_.size());
  }

  Strand strand_;
  const Catalog& catalog_;
  PoolOptions options_;
  ConnectSettings settings_;
  std::string display_ = ConnInfo(options_.url).display();
  std::vector<Slot> slots_;
  std::deque<std::unique_ptr<Request>> waiting_;
  asio::steady_timer acquire_timer_;
  bool acquire_armed_ = false;
  Clock::time_point acquire_deadline_;
  asio::steady_timer maintenance_timer_;
  std::exception_ptr down_error_;  ///< set while the server cannot be reached
  bool closed_ = false;
  bool dispatching_ = false;
  bool redispatch_ = false;
  std::mt19937_64 random_;

  std::atomic<unsigned> idle_{0};
  std::atomic<unsigned> busy_{0};
  std::atomic<unsigned> connecting_{0};
  std::atomic<unsigned> waiting_count_{0};
  std::atomic<std::uint64_t> requests_{0};
  std::atomic<std::uint64_t> acquire_timeouts_{0};
  std::atomic<std::uint64_t> reconnects_{0};
  std::atomic<std::uint64_t> connect_failures_{0};
  std::array<std::atomic<std::uint64_t>, kDiscardReasons> discards_{};
};

namespace {

// Submits `request` on the pool's strand and suspends the calling coroutine until it completes.
asio::awaitable<Reply> run(std::shared_ptr<PoolImpl> impl, std::unique_ptr<Request> request) {
  auto initiation = [&impl, &request](auto handler) {
    request->completion =
        std::make_unique<HandlerCompletion<decltype(handler)>>(std::move(handler));
    asio::post(impl->strand(), [impl, request = std::move(request)]() mutable {
      impl->submit(std::move(request));
    });
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&,
                                          void(std::exception_ptr, Reply)>(initiation,
                                                                           asio::use_awaitable);
}

std::unique_ptr<Request> statement_request(const Catalog& catalog, StatementId id, Params params,
                                           Returns expected,
                                           std::shared_ptr<PoolConnection> target) {
  if (id.index() >= catalog.statements().size()) {
    throw Error("catalog_misuse", fmt::format("no catalog statement #{}", id.index()));
  }
  const auto& statement = catalog.at(id);
  if (statement.returns != expected) {
    throw Error("catalog_misuse",
                fmt::format("{} returns {}, it cannot be run as {}", statement.name,
                            to_string(statement.returns), to_string(expected)));
  }
  if (params.size() != statement.parameters.size()) {
    throw Error("catalog_misuse", fmt::format("{} takes {} parameters, got {}", statement.name,
                                              statement.parameters.size(), params.size()));
  }
  auto request = std::make_unique<Request>();
  request->statement = id.index();
  request->params = std::move(params);
  request->returns = expected;
  request->target = std::move(target);
  return request;
}

std::unique_ptr<Request> command_request(const char* command,
                                         std::shared_ptr<PoolConnection> target) {
  auto request = std::make_unique<Request>();
  request->kind = Request::Kind::command;
  request->command = command;
  request->target = std::move(target);
  return request;
}

std::shared_ptr<PoolConnection> live(const std::shared_ptr<PoolConnection>& connection) {
  if (!connection) throw Error("transaction_finished", "the transaction is already finished");
  return connection;
}

}  // namespace

Pool::Pool(asio::any_io_executor executor, const Catalog& catalog, PoolOptions options)
    : impl_(std::make_shared<PoolImpl>(std::move(executor), catalog, std::move(options))) {
  asio::post(impl_->strand(), [impl = impl_] { impl->start(); });
}

Pool::~Pool() {
  close();
}

void Pool::close() {
  asio::post(impl_->strand(), [impl = impl_] { impl->shutdown(); });
}

PoolStats Pool::stats() const {
  return impl_->stats();
}

asio::awaitable<std::string> Pool::query_json_array(StatementId id, Params params) {
  auto reply = co_await run(
      impl_, statement_request(impl_->catalog(), id, std::move(params), Returns::array, nullptr));
  co_return std::move(reply.text).value_or("[]");
}

asio::awaitable<std::optional<std::string>> Pool::query_json_object(StatementId id, Params params) {
  auto reply = co_await run(
      impl_, statement_request(impl_->catalog(), id, std::move(params), Returns::object, nullptr));
  co_return std::move(reply.text);
}

asio::awaitable<std::optional<std::string>> Pool::query_value(StatementId id, Params params) {
  auto reply = co_await run(
      impl_, statement_request(impl_->catalog(), id, std::move(params), Returns::value, nullptr));
  co_return std::move(reply.text);
}

asio::awaitable<long> Pool::execute(StatementId id, Params params) {
  auto reply = co_await run(
      impl_, statement_request(impl_->catalog(), id, std::move(params), Returns::none, nullptr));
  co_return reply.affected;
}

asio::awaitable<RowSet> Pool::execute_returning(StatementId id, Params params) {
  auto reply = co_await run(
      impl_, statement_request(impl_->catalog(), id, std::move(params), Returns::rows, nullptr));
  co_return std::move(reply.rows);
}

asio::awaitable<Transaction> Pool::begin() {
  auto lease = std::make_unique<Request>();
  lease->kind = Request::Kind::lease;
  auto reply = co_await run(impl_, std::move(lease));
  Transaction transaction(impl_, std::move(reply.lease));
  co_await run(impl_, command_request("BEGIN", transaction.connection_));
  co_return transaction;
}

Transaction::Transaction(std::shared_ptr<PoolImpl> impl, std::shared_ptr<PoolConnection> connection)
    : impl_(std::move(impl)), connection_(std::move(connection)) {}

Transaction::Transaction(Transaction&& other) noexcept
    : impl_(std::move(other.impl_)), connection_(std::move(other.connection_)) {}

Transaction& Transaction::operator=(Transaction&& other) noexcept {
  if (this != &other) {
    abandon();
    impl_ = std::move(other.impl_);
    connection_ = std::move(other.connection_);
  }
  return *this;
}

Transaction::~Transaction() {
  abandon();
}

void Transaction::abandon() noexcept {
  if (!connection_) return;
  asio::post(impl_->strand(),
             [impl = impl_, connection = std::move(connection_)] { impl->abandon(connection); });
}

void Transaction::finish() noexcept {
  if (!connection_) return;
  asio::post(impl_->strand(),
             [impl = impl_, connection = std::move(connection_)] { impl->release(connection); });
}

asio::awaitable<std::string> Transaction::query_json_array(StatementId id, Params params) {
  auto reply = co_await run(impl_, statement_request(impl_->catalog(), id, std::move(params),
                                                     Returns::array, live(connection_)));
  co_return std::move(reply.text).value_or("[]");
}

asio::awaitable<std::optional<std::string>> Transaction::query_json_object(StatementId id,
                                                                           Params params) {
  auto reply = co_await run(impl_, statement_request(impl_->catalog(), id, std::move(params),
                                                     Returns::object, live(connection_)));
  co_return std::move(reply.text);
}

asio::awaitable<std::optional<std::string>> Transaction::query_value(StatementId id,
                                                                     Params params) {
  auto reply = co_await run(impl_, statement_request(impl_->catalog(), id, std::move(params),
                                                     Returns::value, live(connection_)));
  co_return std::move(reply.text);
}

asio::awaitable<long> Transaction::execute(StatementId id, Params params) {
  auto reply = co_await run(impl_, statement_request(impl_->catalog(), id, std::move(params),
                                                     Returns::none, live(connection_)));
  co_return reply.affected;
}

asio::awaitable<RowSet> Transaction::execute_returning(StatementId id, Params params) {
  auto reply = co_await run(impl_, statement_request(impl_->catalog(), id, std::move(params),
                                                     Returns::rows, live(connection_)));
  co_return std::move(reply.rows);
}

asio::awaitable<void> Transaction::commit() {
  try {
    co_await run(impl_, command_request("COMMIT", live(connection_)));
  } catch (...) {
    finish();
    throw;
  }
  finish();
}

asio::awaitable<void> Transaction::rollback() {
  try {
    co_await run(impl_, command_request("ROLLBACK", live(connection_)));
  } catch (...) {
    finish();
    throw;
  }
  finish();
}

}  // namespace cruddur::db
