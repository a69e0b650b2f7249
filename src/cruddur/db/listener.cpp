// LISTEN on a connection of its own: non-blocking libpq watched by Asio, reconnect with backoff.
#include "cruddur/db/listener.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/redirect_error.hpp>
#include <random>

#include "cruddur/core/error.hpp"
#include "cruddur/db/conninfo.hpp"
#include "cruddur/db/errors.hpp"
#include "pg_handles.hpp"

namespace cruddur::db {
namespace {

using Clock = std::chrono::steady_clock;
using Wait = asio::posix::stream_descriptor::wait_type;

bool is_identifier(const std::string& text) {
  if (text.empty() || text.size() > 63 || (text[0] >= '0' && text[0] <= '9')) return false;
  for (char c : text) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

// The error's message on one line (libpq's messages span several), for the log.
std::string one_line(const std::exception& error) {
  std::string line;
  for (const char* c = error.what(); *c != '\0'; ++c) {
    bool space = *c == '\n' || *c == '\t' || *c == ' ';
    if (!space)
      line += *c;
    else if (!line.empty() && line.back() != ' ')
      line += ' ';
  }
  return line;
}

}  // namespace

struct Listener::Impl {
  Impl(asio::any_io_executor executor, ListenerOptions listener_options, Handlers listener_handlers)
      : strand(asio::make_strand(executor)),
        options(std::move(listener_options)),
        handlers(std::move(listener_handlers)),
        display(ConnInfo(options.url).display()),
        socket(strand),
        deadline(strand),
        backoff(strand),
        random(std::random_device{}()) {}

  ~Impl() { drop(); }

  // Cancels the pending socket wait when the deadline passes (a struct, not a lambda: the
  // handler is made inside a coroutine, where g++ 12 mishandles lambda captures).
  struct Expiry {
    Impl* impl;
    unsigned generation;
    void operator()(boost::system::error_code ec) const {
      if (ec || generation != impl->wait_generation) return;
      impl->timed_out = true;
      if (impl->socket.is_open()) impl->socket.cancel();
    }
  };

  // `self` keeps the state alive while the loop runs (the frame owns it from its creation).
  asio::awaitable<void> run(std::shared_ptr<Impl> self);
  asio::awaitable<void> session();
  asio::awaitable<bool> wait(Wait what, Clock::time_point until);
  asio::awaitable<void> flush(Clock::time_point until);
  asio::awaitable<void> read_results(Clock::time_point until);
  void watch_socket();
  void deliver_notifications();
  void consume();
  void drop();
  void shutdown();
  std::chrono::milliseconds next_backoff(unsigned failures);

  asio::strand<asio::any_io_executor> strand;
  ListenerOptions options;
  Handlers handlers;
  std::string display;
  PgConnPtr conn;
  asio::posix::stream_descriptor socket;
  int fd = -1;
  asio::steady_timer deadline;
  asio::steady_timer backoff;
  unsigned wait_generation = 0;
  bool timed_out = false;
  bool closed = false;
  std::mt19937_64 random;

  std::atomic<bool> listening{false};
  std::atomic<std::uint64_t> notifications{0};
  std::atomic<std::uint64_t> established{0};
  std::atomic<std::uint64_t> losses{0};
  std::atomic<std::uint64_t> connect_failures{0};
};

void Listener::Impl::drop() {
  // The descriptor belongs to libpq: detach it from Asio before PQfinish closes it.
  if (socket.is_open()) socket.release();
  fd = -1;
  conn.reset();
}

void Listener::Impl::shutdown() {
  closed = true;
  deadline.cancel();
  backoff.cancel();
  if (socket.is_open()) socket.cancel();
}

void Listener::Impl::watch_socket() {
  int current = PQsocket(conn.get());
  if (current == fd) return;
  if (socket.is_open()) socket.release();
  fd = current;
  if (fd >= 0) socket.assign(fd);
}

// True when the socket is ready; false when `until` passed first. Throws ConnectionError when
// the socket failed or the listener was closed.
asio::awaitable<bool> Listener::Impl::wait(Wait what, Clock::time_point until) {
  if (!socket.is_open()) throw_connection_error(conn.get());
  timed_out = false;
  deadline.expires_at(until);
  deadline.async_wait(Expiry{this, wait_generation});
  boost::system::error_code ec;
  co_await socket.async_wait(what, asio::redirect_error(asio::use_awaitable, ec));
  ++wait_generation;
  deadline.cancel();
  if (closed) throw ConnectionError("the listener was closed");
  if (timed_out) co_return false;
  if (ec) throw ConnectionError(ec.message());
  co_return true;
}

asio::awaitable<void> Listener::Impl::flush(Clock::time_point until) {
  for (;;) {
    int pending = PQflush(conn.get());
    if (pending < 0) throw_connection_error(conn.get());
    if (pending == 0) co_return;
    if (!co_await wait(Wait::wait_write, until))
      throw ConnectionError("the server stopped reading");
  }
}

void Listener::Impl::consume() {
  if (PQconsumeInput(conn.get()) != 1) throw_connection_error(conn.get());
  deliver_notifications();
}

void Listener::Impl::deliver_notifications() {
  for (;;) {
    std::unique_ptr<PGnotify, PgFreeDeleter> notice(PQnotifies(conn.get()));
    if (!notice) return;
    ++notifications;
    try {
      if (handlers.notified) handlers.notified(notice->extra == nullptr ? "" : notice->extra);
    } catch (const std::exception& error) {
      spdlog::error("listener: a notification handler failed: {}", error.what());
    }
  }
}

// Reads until the command in flight has returned all its results (notifications that come in
// meanwhile are delivered); throws its DbError, or ConnectionError when `until` passes.
asio::awaitable<void> Listener::Impl::read_results(Clock::time_point until) {
  for (;;) {
    consume();
    while (PQisBusy(conn.get()) == 0) {
      PgResultPtr result(PQgetResult(conn.get()));
      if (!result) co_return;
      check_result(result.get(), conn.get());
    }
    if (!co_await wait(Wait::wait_read, until)) {
      throw ConnectionError("the server did not answer in time");
    }
  }
}

// One connection: connect, LISTEN, then deliver notifications until it fails.
asio::awaitable<void> Listener::Impl::session() {
  const char* keywords[] = {"dbname", "fallback_application_name", nullptr};
  const char* values[] = {options.url.c_str(), "cruddur-listen", nullptr};
  conn.reset(PQconnectStartParams(keywords, values, 1));
  if (!conn || PQstatus(conn.get()) == CONNECTION_BAD || PQsetnonblocking(conn.get(), 1) != 0) {
    throw_connection_error(conn.get());
  }
  auto until = Clock::now() + options.connect_timeout;
  auto want = Wait::wait_write;
  for (bool connected = false; !connected;) {
    watch_socket();
    if (!co_await wait(want, until)) {
      throw ConnectionError(
          fmt::format("could not connect within {} ms", options.connect_timeout.count()), {},
          ConnectFailure::unreachable);
    }
    switch (PQconnectPoll(conn.get())) {
      case PGRES_POLLING_READING:
        want = Wait::wait_read;
        break;
      case PGRES_POLLING_WRITING:
        want = Wait::wait_write;
        break;
      case PGRES_POLLING_OK:
        connected = true;
        break;
      default:
        throw_connection_error(conn.get());
    }
  }
  watch_socket();
  auto listen = "LISTEN " + options.channel;
  if (PQsendQuery(conn.get(), listen.c_str()) != 1) throw_connection_error(conn.get());
  co_await flush(until);
  co_await read_results(until);
  listening = true;
  ++established;
  spdlog::info("listener: listening on {} at {} (backend pid {})", options.channel, display,
               PQbackendPID(conn.get()));
  if (handlers.listening) handlers.listening();
  deliver_notifications();
  for (;;) {
    if (co_await wait(Wait::wait_read, Clock::now() + options.ping_after)) {
      consume();
      if (PQstatus(conn.get()) == CONNECTION_BAD) throw_connection_error(conn.get());
      continue;
    }
    // Quiet for a while: prove the connection still works.
    if (PQsendQuery(conn.get(), "SELECT 1") != 1) throw_connection_error(conn.get());
    auto answer_by = Clock::now() + options.ping_timeout;
    co_await flush(answer_by);
    co_await read_results(answer_by);
  }
}

std::chrono::milliseconds Listener::Impl::next_backoff(unsigned failures) {
  auto exponent = std::min(failures, 16U);
  auto ceiling =
      std::min<long long>(options.backoff_max.count(), options.backoff_min.count() << exponent);
  std::uniform_int_distribution<long long> jitter(ceiling / 2, ceiling);
  return std::chrono::milliseconds(jitter(random));
}

asio::awaitable<void> Listener::Impl::run([[maybe_unused]] std::shared_ptr<Impl> self) {
  unsigned failures = 0;
  while (!closed) {
    try {
      co_await session();
    } catch (const std::exception& error) {
      if (!closed) {
        spdlog::warn("listener: {} {}: {}",
                     listening ? "lost the connection to" : "cannot listen at", display,
                     one_line(error));
      }
    }
    drop();
    if (closed) break;
    if (listening.exchange(false)) {
      ++losses;
      failures = 0;
      try {
        if (handlers.lost) handlers.lost();
      } catch (const std::exception& error) {
        spdlog::error("listener: the lost handler failed: {}", error.what());
      }
    } else {
      ++connect_failures;
      ++failures;
    }
    backoff.expires_after(next_backoff(failures));
    boost::system::error_code ec;
    co_await backoff.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  listening = false;
}

Listener::Listener(asio::any_io_executor executor, ListenerOptions options, Handlers handlers) {
  if (!is_identifier(options.channel)) {
    throw Error("invalid_config",
                fmt::format("the LISTEN channel '{}' is not a plain identifier", options.channel));
  }
  impl_ = std::make_shared<Impl>(std::move(executor), std::move(options), std::move(handlers));
}

Listener::~Listener() {
  close();
}

void Listener::start() {
  asio::co_spawn(impl_->strand, impl_->run(impl_), [](const std::exception_ptr& error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      spdlog::error("listener: stopped by an unexpected error: {}", e.what());
    }
  });
}

void Listener::close() {
  asio::post(impl_->strand, [impl = impl_] {
    impl->shutdown();
    // Nothing runs the handlers any more (they may refer to objects being destroyed).
    impl->handlers = {};
  });
}

ListenerStats Listener::stats() const {
  return {impl_->listening.load(), impl_->notifications.load(), impl_->established.load(),
          impl_->losses.load(), impl_->connect_failures.load()};
}

}  // namespace cruddur::db
