#pragma once
// Private to the http layer: the server's open connections, so that stop() can reach them.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <mutex>
#include <unordered_set>

#include "connection_deadline.hpp"

namespace cruddur::http {

/// How long a connection idle in keep-alive when the server starts draining may still bring a
/// request (one already on its way from a balancer): it is answered, with `Connection: close`.
inline constexpr std::chrono::seconds kClosingIdle{1};

/// Counts the server's open connections (from accept to close) and knows the deadlines of those
/// being served, so that stop() can end the reads of idle ones. Thread-safe.
class SessionRegistry {
 public:
  /// A connection was accepted / closed.
  void opened() { ++open_; }
  void closed() { --open_; }
  /// Registers a session's connection; false once stopping (the session then closes at once).
  bool enter(ConnectionDeadline* connection);
  void leave(ConnectionDeadline* connection);
  /// From now on every answer ends its connection (`Connection: close`); idle ones close if no
  /// request comes within kClosingIdle.
  void drain();
  /// From now on sessions close after the request in progress; idle ones close now.
  void stop();
  [[nodiscard]] const std::atomic<bool>& stopping() const { return stopping_; }
  /// True after drain() or stop(): answers carry `Connection: close`.
  [[nodiscard]] bool closing() const { return closing_ || stopping_; }
  [[nodiscard]] std::size_t open_connections() const { return open_.load(); }

 private:
  std::atomic<std::size_t> open_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> closing_{false};
  std::mutex mutex_;
  std::unordered_set<ConnectionDeadline*> serving_;  // under mutex_
};

}  // namespace cruddur::http
