// The pool's scheduler: queue, dispatch, reconnect with backoff, lifetimes, idle checks, stats.
#include "pool_scheduler.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "cruddur/db/conninfo.hpp"
#include "cruddur/db/errors.hpp"

namespace cruddur::db {
namespace {

using std::chrono::milliseconds;

// How long after the statement timeout a queued read is answered (see bound_answer).
constexpr milliseconds kAnswerGrace{100};

// Prepared: the settings are the session's, as startup options. Unprepared (a transaction pooler
// refuses startup options and gives each transaction any server session): only the URL's own
// options, and the settings made by a prelude in every statement's implicit transaction.
ConnectSettings connect_settings(const PoolOptions& options) {
  ConnectSettings settings;
  settings.url = options.url;
  settings.connect_timeout = options.connect_timeout;
  settings.prepared = options.prepared;
  auto existing = ConnInfo(options.url).get("options");
  if (options.prepared) {
    settings.options = fmt::format("{}{}-c TimeZone=UTC -c statement_timeout={}", existing,
                                   existing.empty() ? "" : " ", options.statement_timeout.count());
  } else {
    settings.options = existing;
    settings.prelude = fmt::format(
        "SELECT set_config('TimeZone', 'UTC', true), set_config('statement_timeout', '{}', true)",
        options.statement_timeout.count());
  }
  return settings;
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

// Connected and set up: past connecting and preparing, not yet closed.
bool established(const PoolConnection& connection) {
  auto state = connection.state();
  return state != ConnectionState::connecting && state != ConnectionState::preparing
         && state != ConnectionState::closed;
}

}  // namespace

PoolScheduler::PoolScheduler(asio::any_io_executor executor, const Catalog& catalog,
                             PoolOptions options)
    : strand_(asio::make_strand(executor)),
      catalog_(catalog),
      options_(std::move(options)),
      settings_(connect_settings(options_)),
      display_(ConnInfo(options_.url).display()),
      slots_(options_.size),
      acquire_timer_(strand_),
      maintenance_timer_(strand_),
      random_(std::random_device{}()) {
  if (options_.size == 0) throw Error("invalid_config", "the pool size must be at least 1");
  for (auto& slot : slots_) slot.backoff = std::make_unique<asio::steady_timer>(strand_);
  connecting_ = options_.size;
}

void PoolScheduler::start() {
  for (std::size_t i = 0; i < slots_.size(); ++i) connect(i);
  schedule_maintenance();
}

void PoolScheduler::submit(std::unique_ptr<Request> request) {
  ++requests_;
  if (closed_) return fail_request(*request, as_exception(ConnectionError("the pool is closed")));
  if (request->target) {
    auto target = std::move(request->target);
    if (target->state() != ConnectionState::leased) {
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

void PoolScheduler::release(const std::shared_ptr<PoolConnection>& connection) {
  auto slot = slot_of(*connection);
  if (slot == slots_.size()) return;  // already replaced
  if (!connection->clean()) return discard(slot, DiscardReason::not_idle);
  if (Clock::now() >= connection->expires_at()) return discard(slot, DiscardReason::lifetime);
  connection->release();
  dispatch();
}

void PoolScheduler::abandon(const std::shared_ptr<PoolConnection>& connection) {
  auto slot = slot_of(*connection);
  if (slot != slots_.size()) discard(slot, DiscardReason::abandoned_transaction);
}

void PoolScheduler::shutdown() {
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

PoolStats PoolScheduler::stats() const {
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

void PoolScheduler::connect(std::size_t index) {
  if (closed_) return;
  auto weak = weak_from_this();
  auto connection = std::make_shared<PoolConnection>(
      strand_, catalog_, settings_, jittered_lifetime(),
      [weak, index](PoolConnection& changed, ConnectionState previous) {
        if (auto self = weak.lock()) self->on_event(index, changed, previous);
      });
  slots_[index].connection = connection;
  connection->start();
  publish();
}

// Capped exponential backoff with jitter; the first attempt after a loss is immediate.
void PoolScheduler::schedule_connect(std::size_t index) {
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

void PoolScheduler::on_event(std::size_t index, PoolConnection& connection,
                             ConnectionState previous) {
  auto& slot = slots_[index];
  if (slot.connection.get() != &connection) return;
  switch (connection.state()) {
    case ConnectionState::closed:
      if (previous == ConnectionState::connecting || previous == ConnectionState::preparing) {
        on_connect_failed(index, connection);
        break;
      }
      return discard(index, previous == ConnectionState::checking ? DiscardReason::idle_check_failed
                                                                  : DiscardReason::broken);
    case ConnectionState::idle:
      if (previous == ConnectionState::preparing) on_established(slot);
      break;
    case ConnectionState::retiring:
      if (connection.in_flight() == 0) return discard(index, DiscardReason::lifetime);
      break;
    default:
      break;
  }
  dispatch();
}

void PoolScheduler::on_connect_failed(std::size_t index, const PoolConnection& connection) {
  auto& slot = slots_[index];
  ++connect_failures_;
  ++slot.failures;
  down_error_ = connection.error();
  spdlog::warn("db pool: connecting to {} failed (attempt {}): {}", display_, slot.failures,
               describe(down_error_));
  slot.connection.reset();
  schedule_connect(index);
}

void PoolScheduler::on_established(Slot& slot) {
  if (slot.ever_connected) ++reconnects_;
  slot.ever_connected = true;
  slot.failures = 0;
  down_error_ = nullptr;
}

Clock::duration PoolScheduler::jittered_lifetime() {
  auto lifetime = std::chrono::duration<double, std::milli>(options_.max_lifetime);
  std::uniform_real_distribution<double> jitter(0.9, 1.1);
  return std::chrono::duration_cast<Clock::duration>(lifetime * jitter(random_));
}

void PoolScheduler::discard(std::size_t index, DiscardReason reason) {
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

bool PoolScheduler::any_ready() const {
  return std::any_of(slots_.begin(), slots_.end(), [](const Slot& slot) {
    return slot.connection && established(*slot.connection);
  });
}

// The idle or busy connection with the fewest requests in flight that can take one more;
// exclusive (transaction) leases need an idle one.
PoolConnection* PoolScheduler::pick(bool exclusive) {
  PoolConnection* best = nullptr;
  for (auto& slot : slots_) {
    auto* connection = slot.connection.get();
    if (connection == nullptr) continue;
    auto state = connection->state();
    if (exclusive ? state != ConnectionState::idle
                  : state != ConnectionState::idle && state != ConnectionState::busy) {
      continue;
    }
    auto load = connection->in_flight();
    if (load >= options_.pipeline_depth) continue;
    if (best == nullptr || load < best->in_flight()) best = connection;
  }
  return best;
}

void PoolScheduler::dispatch() {
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
        connection->lease();
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
void PoolScheduler::bound_answer(Request& request) const {
  if (request.kind != Request::Kind::statement
      || !catalog_.statements().at(request.statement).read_only) {
    return;
  }
  request.answer_by = Clock::now() + options_.statement_timeout + kAnswerGrace;
}

void PoolScheduler::fail_waiting(const std::exception_ptr& error) {
  auto waiting = std::move(waiting_);
  waiting_.clear();
  for (auto& request : waiting) fail_request(*request, error);
}

void PoolScheduler::arm_acquire_timer() {
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

void PoolScheduler::on_acquire_timeout() {
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

void PoolScheduler::schedule_maintenance() {
  auto period = std::clamp(options_.idle_check_after / 2, milliseconds(10), milliseconds(1000));
  maintenance_timer_.expires_after(period);
  maintenance_timer_.async_wait([weak = weak_from_this()](boost::system::error_code ec) {
    auto self = weak.lock();
    if (ec || !self || self->closed_) return;
    self->maintain();
    self->schedule_maintenance();
  });
}

// Retires connections past their lifetime and checks the ones idle for a while; leased ones are
// looked at when they come back.
void PoolScheduler::maintain() {
  auto now = Clock::now();
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    auto connection = slots_[i].connection;
    if (!connection) continue;
    auto state = connection->state();
    if (state != ConnectionState::idle && state != ConnectionState::busy) continue;
    if (now >= connection->expires_at()) {
      connection->retire();
      if (connection->in_flight() == 0) discard(i, DiscardReason::lifetime);
    } else if (state == ConnectionState::idle
               && now - connection->idle_since() >= options_.idle_check_after) {
      connection->check();
    }
  }
  publish();
}

std::size_t PoolScheduler::slot_of(const PoolConnection& connection) const {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].connection.get() == &connection) return i;
  }
  return slots_.size();
}

void PoolScheduler::publish() {
  unsigned idle = 0;
  unsigned busy = 0;
  for (const auto& slot : slots_) {
    const auto* connection = slot.connection.get();
    if (connection == nullptr || !established(*connection)) continue;
    ++(connection->state() == ConnectionState::idle ? idle : busy);
  }
  idle_ = idle;
  busy_ = busy;
  connecting_ = options_.size - idle - busy;
  waiting_count_ = static_cast<unsigned>(waiting_.size());
}

}  // namespace cruddur::db
