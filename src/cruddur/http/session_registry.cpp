// The server's registry of open connections: counted, and reachable by stop().
#include "session_registry.hpp"

namespace cruddur::http {

bool SessionRegistry::enter(ConnectionDeadline* connection) {
  std::lock_guard lock(mutex_);
  if (stopping_) return false;
  serving_.insert(connection);
  return true;
}

void SessionRegistry::leave(ConnectionDeadline* connection) {
  std::lock_guard lock(mutex_);
  serving_.erase(connection);
}

void SessionRegistry::drain() {
  std::lock_guard lock(mutex_);
  closing_ = true;
  auto by = ConnectionDeadline::Clock::now() + kClosingIdle;
  for (auto* connection : serving_) connection->shorten_idle(by);
}

void SessionRegistry::stop() {
  std::lock_guard lock(mutex_);
  stopping_ = true;
  for (auto* connection : serving_) connection->end_idle_read();
}

}  // namespace cruddur::http
