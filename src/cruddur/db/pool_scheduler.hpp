#pragma once
// Private to the db layer: the Pool's scheduler — its connections, its queue and its counters.

#include <array>
#include <atomic>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "cruddur/core/asio.hpp"
#include "cruddur/db/catalog.hpp"
#include "cruddur/db/pool.hpp"
#include "pool_connection.hpp"
#include "pool_request.hpp"

namespace cruddur::db {

/// Owns the pool's connections (one slot each: reconnect with capped, jittered backoff), queues
/// requests FIFO until a connection can take them, sends reads and writes into the least loaded
/// pipeline, leases idle connections to transactions, retires connections past their lifetime,
/// checks idle ones, and keeps the counters of PoolStats.
/// Threading: every member function except stats() and strand() must run on strand(); callers are
/// answered through their Completion, which never runs their code on the strand.
class PoolScheduler : public std::enable_shared_from_this<PoolScheduler> {
 public:
  /// Throws cruddur::Error("invalid_config") for a pool of size 0.
  PoolScheduler(asio::any_io_executor executor, const Catalog& catalog, PoolOptions options);

  Strand& strand() { return strand_; }
  [[nodiscard]] const Catalog& catalog() const { return catalog_; }

  /// Opens every slot's connection and starts the maintenance timer.
  void start();
  /// Queues `request`, or sends it at once to its `target` (a transaction's connection).
  void submit(std::unique_ptr<Request> request);
  /// A transaction ended (commit or rollback): the connection goes back only if clean.
  void release(const std::shared_ptr<PoolConnection>& connection);
  /// A transaction was dropped unfinished: its connection is discarded.
  void abandon(const std::shared_ptr<PoolConnection>& connection);
  /// Fails what waits and closes every connection; later requests fail at once.
  void shutdown();
  /// Readable from any thread.
  [[nodiscard]] PoolStats stats() const;

 private:
  struct Slot {
    std::shared_ptr<PoolConnection> connection;
    std::unique_ptr<asio::steady_timer> backoff;
    unsigned failures = 0;  ///< consecutive failed attempts
    bool ever_connected = false;
  };

  void connect(std::size_t index);
  void schedule_connect(std::size_t index);
  void on_event(std::size_t index, PoolConnection& connection, ConnectionState previous);
  void on_connect_failed(std::size_t index, const PoolConnection& connection);
  void on_established(Slot& slot);
  void discard(std::size_t index, DiscardReason reason);
  [[nodiscard]] bool any_ready() const;
  PoolConnection* pick(bool exclusive);
  void dispatch();
  void bound_answer(Request& request) const;
  void fail_waiting(const std::exception_ptr& error);
  void arm_acquire_timer();
  void on_acquire_timeout();
  void schedule_maintenance();
  void maintain();
  [[nodiscard]] std::size_t slot_of(const PoolConnection& connection) const;
  [[nodiscard]] Clock::duration jittered_lifetime();
  void publish();

  Strand strand_;
  const Catalog& catalog_;
  PoolOptions options_;
  ConnectSettings settings_;
  std::string display_;  ///< the URL without its password, for the log
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

}  // namespace cruddur::db
