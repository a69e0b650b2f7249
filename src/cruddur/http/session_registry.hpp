#pragma once
// Private to the http layer: the server's open connections, so that stop() can reach them.

#include <atomic>
#include <cstddef>
#include <mutex>
#include <unordered_set>

#include "connection_deadline.hpp"

namespace cruddur::http {

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
  /// From now on sessions close after the request in progress; idle ones close now.
  void stop();
  [[nodiscard]] const std::atomic<bool>& stopping() const { return stopping_; }
  [[nodiscard]] std::size_t open_connections() const { return open_.load(); }

 private:
  std::atomic<std::size_t> open_{0};
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::unordered_set<ConnectionDeadline*> serving_;  // under mutex_
};

}  // namespace cruddur::http
