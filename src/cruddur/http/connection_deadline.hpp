#pragma once
// Private to the http layer: the deadline of a client connection's current read or write phase.

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

#include "cruddur/core/asio.hpp"

namespace cruddur::http {

/// Enforces the deadline of one client connection's current phase (reading a request, writing an
/// answer) with one watchdog timer per connection. The session moves the deadline with an atomic
/// store (no timer operation per phase); the watchdog fires at the latest deadline it knows of,
/// re-arms while the deadline has moved on, and once it has passed shuts the descriptor down,
/// which ends the pending read or write with EOF or an error. The watchdog and stop() touch only
/// the descriptor, under a mutex, and only until stop(): no strand is needed although the
/// io_context runs on several threads.
/// Thread-safe. Call stop() before the descriptor is closed.
class ConnectionDeadline : public std::enable_shared_from_this<ConnectionDeadline> {
 public:
  using Clock = std::chrono::steady_clock;

  /// `period`: how often an untimed phase (Clock::time_point::max()) is looked at.
  ConnectionDeadline(asio::any_io_executor executor, int descriptor, Clock::duration period);

  /// Starts the watchdog; the first phase ends at `deadline`.
  void watch(Clock::time_point deadline);
  /// The current phase ends at `deadline` (Clock::time_point::max(): an untimed phase).
  void set(Clock::time_point deadline);
  /// Marks the connection as waiting for a request; false when `stopping` (the SessionRegistry's
  /// stop() sets it, then ends the reads of idle connections: one of the two sees the other).
  bool enter_idle(const std::atomic<bool>& stopping);
  void leave_idle() { idle_ = false; }
  /// Ends the wait for a request of an idle connection (server stop): its read sees EOF.
  void end_idle_read();
  /// An idle connection's wait for its next request ends by `at` at the latest (server drain).
  void shorten_idle(Clock::time_point at);
  /// True once the watchdog or end_idle_read() has shut the connection down: its read error is
  /// not a malformed request.
  [[nodiscard]] bool was_cut() const { return cut_; }
  /// Stops the watchdog; afterwards nothing here touches the descriptor. Idempotent.
  void stop();

 private:
  void arm(Clock::time_point at);  // under mutex_
  void on_watchdog();
  void cut(int how);

  const int descriptor_;
  const Clock::duration period_;
  std::atomic<Clock::rep> deadline_{0};
  std::atomic<Clock::rep> armed_{0};  // when the watchdog fires next; written under mutex_
  std::atomic<bool> idle_{false};
  std::atomic<bool> cut_{false};
  std::mutex mutex_;
  asio::steady_timer watchdog_;  // under mutex_
  bool stopped_ = false;         // under mutex_
};

}  // namespace cruddur::http
