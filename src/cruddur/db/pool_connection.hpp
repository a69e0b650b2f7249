#pragma once
// Private to the db layer: one non-blocking, pipelined libpq connection of the Pool. Everything
// here runs on the pool's strand.

#include <chrono>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cruddur/core/asio.hpp"
#include "cruddur/db/catalog.hpp"
#include "pool_request.hpp"

namespace cruddur::db {

using Strand = asio::strand<asio::any_io_executor>;

/// Where a pool connection is in its life: the one place that says what it may do next (as
/// PgBouncer's SocketState does). Only the pool's strand reads or changes it. The moves, and who
/// makes them:
///   connecting → preparing → idle   the connection, as the server answers (or → closed)
///   idle → busy                     send() of a pipelined request
///   busy → idle, checking → idle    the connection, once nothing is left in flight
///   idle → leased → idle            the scheduler: lease() to a Transaction, release() after it
///   idle → checking                 the scheduler: check() after idling a while
///   idle, busy → retiring           the scheduler: retire() past the lifetime; closed once drained
///   any → closed                    a failure (error() says why) or the scheduler's close()
enum class ConnectionState {
  connecting,  ///< PQconnectPoll in progress (TCP, TLS, authentication)
  preparing,   ///< every catalog statement being prepared (nothing when unprepared), one round trip
  idle,        ///< ready, nothing in flight: takes pipelined requests and leases
  busy,        ///< ready with requests in flight: takes more up to the pipeline depth
  leased,      ///< exclusive to one Transaction: only its requests are sent
  checking,    ///< the liveness check (`SELECT 1`) after idling is in flight: takes nothing
  retiring,    ///< past its lifetime: takes nothing new; the pool closes it once drained
  closed,      ///< final: the socket is closed and every request it held has been failed
};
std::string_view to_string(ConnectionState state);

/// Settings shared by every connection of one pool.
struct ConnectSettings {
  std::string url;
  std::string options;  ///< the libpq `options` value (`-c TimeZone=UTC …`; may be empty)
  std::chrono::milliseconds connect_timeout{10000};
  /// false: statements are sent unnamed (nothing is prepared), each after `prelude`.
  bool prepared = true;
  /// Sent before every statement in its implicit transaction when not `prepared` (may be empty).
  std::string prelude;
};

/// One connection (see ConnectionState). The listener is called on the strand after every state
/// change with the state left, and after requests finished with the current state.
class PoolConnection : public std::enable_shared_from_this<PoolConnection> {
 public:
  using Listener = std::function<void(PoolConnection&, ConnectionState previous)>;

  /// `lifetime`: how long it may serve once established (the pool jitters it).
  PoolConnection(Strand strand, const Catalog& catalog, const ConnectSettings& settings,
                 Clock::duration lifetime, Listener listener);
  ~PoolConnection();
  PoolConnection(const PoolConnection&) = delete;
  PoolConnection& operator=(const PoolConnection&) = delete;

  void start();
  /// Sends `request` now (precondition: idle or busy, or leased for a transaction's request).
  /// Failures complete the request.
  void send(std::unique_ptr<Request> request);
  /// idle → leased.
  void lease();
  /// leased → idle (precondition: clean()).
  void release();
  /// idle → checking: sends the liveness check.
  void check();
  /// idle or busy → retiring.
  void retire();
  /// Fails what is in flight with ConnectionError(`reason`) and closes the socket; the listener
  /// is not called.
  void close(const std::string& reason);

  [[nodiscard]] ConnectionState state() const { return state_; }
  [[nodiscard]] std::size_t in_flight() const { return in_flight_.size(); }
  /// Idle or leased, nothing in flight and not inside a transaction block.
  [[nodiscard]] bool clean() const;
  [[nodiscard]] std::exception_ptr error() const { return error_; }
  [[nodiscard]] int backend_pid() const { return backend_pid_; }
  /// When it last had nothing in flight.
  [[nodiscard]] Clock::time_point idle_since() const { return idle_since_; }
  /// When its lifetime ends (set once established).
  [[nodiscard]] Clock::time_point expires_at() const { return expires_at_; }

 private:
  using Wait = asio::posix::stream_descriptor::wait_type;
  void watch_socket();
  void wait(Wait what, void (PoolConnection::*next)());
  void continue_connect();
  void on_connected();
  void arm_read();
  void on_readable();
  void flush();
  void on_writable();
  void process();
  int send_unnamed(Request& request, const std::vector<const char*>& values);
  void arm_answer_timer();
  void answer_overdue();
  void finish(std::unique_ptr<Request> request);
  void fail(std::exception_ptr error);
  void move_to(ConnectionState next);

  Strand strand_;
  const Catalog& catalog_;
  ConnectSettings settings_;
  Clock::duration lifetime_;
  Listener listener_;
  PgConnPtr conn_;
  asio::posix::stream_descriptor socket_;
  asio::steady_timer connect_timer_;
  asio::steady_timer answer_timer_;  ///< the earliest `answer_by` in flight
  bool answer_armed_ = false;
  int fd_ = -1;
  unsigned generation_ = 0;  ///< bumped when the socket changes: stale waits are ignored
  bool reading_ = false;
  bool writing_ = false;
  ConnectionState state_ = ConnectionState::connecting;
  std::deque<std::unique_ptr<Request>> in_flight_;
  std::exception_ptr error_;
  int backend_pid_ = 0;
  Clock::time_point idle_since_;
  Clock::time_point expires_at_;
};

}  // namespace cruddur::db
