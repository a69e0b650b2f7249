#pragma once
// Private to the db layer: one non-blocking, pipelined libpq connection of the Pool, and the
// request it carries. Everything here runs on the pool's strand.

#include <chrono>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <string>

#include "cruddur/core/asio.hpp"
#include "cruddur/db/catalog.hpp"
#include "cruddur/db/pool.hpp"
#include "pg_handles.hpp"

namespace cruddur::db {

using Strand = asio::strand<asio::any_io_executor>;
using Clock = std::chrono::steady_clock;

/// What a finished request hands back to its caller.
struct Reply {
  std::optional<std::string> text;
  long affected = 0;
  RowSet rows;
  std::shared_ptr<PoolConnection> lease;  ///< for lease requests
};

/// A caller waiting for a Reply; complete() is called exactly once, on the strand, and delivers
/// on the caller's own executor.
class Completion {
 public:
  virtual ~Completion() = default;
  virtual void complete(std::exception_ptr error, Reply reply) = 0;
};

struct Request {
  enum class Kind {
    statement,  ///< a catalog statement (prepared)
    command,    ///< a fixed command without parameters (BEGIN, COMMIT, the liveness check)
    lease,      ///< waits in the queue for an exclusive connection
    setup,      ///< internal: PQsendPrepare of the whole catalog
  };
  Kind kind = Kind::statement;
  std::size_t statement = 0;
  const char* command = nullptr;
  Params params;
  Returns returns = Returns::none;
  std::unique_ptr<Completion> completion;  ///< null for internal requests
  std::shared_ptr<PoolConnection> target;  ///< transaction requests skip the queue
  Clock::time_point deadline;              ///< of the wait in the pool's queue
  /// Reads sent into a pipeline: the caller gets QueryCanceled at this time even if the statement
  /// is still queued behind others on the connection; its result is dropped when it comes.
  /// Unset (epoch) for everything else.
  Clock::time_point answer_by;

  PgResultPtr result;         ///< the first result of the statement
  std::size_t results = 0;    ///< results seen (setup: one per prepared statement)
  std::size_t failed_at = 0;  ///< setup: index of the first statement that failed to prepare
};

/// Settings shared by every connection of one pool.
struct ConnectSettings {
  std::string url;
  std::string options;  ///< the libpq `options` value (`-c TimeZone=UTC …`)
  std::chrono::milliseconds connect_timeout{10000};
};

/// One connection. States (only forward, except ready ⇄ busy which is just in_flight()):
///   connecting → preparing → ready → closed
///   connecting/preparing → closed on failure (error() says why)
/// The listener is called (on the strand) after a state change or after requests finished.
class PoolConnection : public std::enable_shared_from_this<PoolConnection> {
 public:
  enum class State { connecting, preparing, ready, closed };
  using Listener = std::function<void(PoolConnection&)>;

  PoolConnection(Strand strand, const Catalog& catalog, const ConnectSettings& settings,
                 Listener listener);
  ~PoolConnection();
  PoolConnection(const PoolConnection&) = delete;
  PoolConnection& operator=(const PoolConnection&) = delete;

  void start();
  /// Sends `request` now (precondition: ready). Failures complete the request.
  void send(std::unique_ptr<Request> request);
  /// Fails what is in flight with ConnectionError(`reason`) and closes the socket.
  void close(const std::string& reason);

  [[nodiscard]] State state() const { return state_; }
  [[nodiscard]] std::size_t in_flight() const { return in_flight_.size(); }
  /// Ready, nothing in flight and not inside a transaction block.
  [[nodiscard]] bool clean() const;
  [[nodiscard]] std::exception_ptr error() const { return error_; }
  [[nodiscard]] int backend_pid() const { return backend_pid_; }

  // Bookkeeping owned by the pool.
  bool leased = false;
  bool retiring = false;   ///< past its lifetime: no new work, closed once drained
  bool was_ready = false;  ///< the pool has counted it as established
  bool checking = false;   ///< a liveness check is in flight
  Clock::time_point expires_at;
  Clock::time_point idle_since;

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
  void arm_answer_timer();
  void answer_overdue();
  void finish(std::unique_ptr<Request> request);
  void fail(std::exception_ptr error);
  void notify();

  Strand strand_;
  const Catalog& catalog_;
  ConnectSettings settings_;
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
  State state_ = State::connecting;
  std::deque<std::unique_ptr<Request>> in_flight_;
  std::exception_ptr error_;
  int backend_pid_ = 0;
};

/// Completes `request` with `error` (no-op for internal requests).
void fail_request(Request& request, std::exception_ptr error);

}  // namespace cruddur::db
