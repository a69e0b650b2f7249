// One watchdog per client connection: shuts the descriptor down when a read or write phase runs
// past its deadline.
#include "connection_deadline.hpp"

#include <sys/socket.h>

namespace cruddur::http {

ConnectionDeadline::ConnectionDeadline(asio::any_io_executor executor, int descriptor,
                                       Clock::duration period)
    : descriptor_(descriptor), period_(period), watchdog_(std::move(executor)) {}

void ConnectionDeadline::watch(Clock::time_point deadline) {
  deadline_ = deadline.time_since_epoch().count();
  std::lock_guard lock(mutex_);
  if (!stopped_) arm(deadline);
}

void ConnectionDeadline::set(Clock::time_point deadline) {
  auto ticks = deadline.time_since_epoch().count();
  deadline_ = ticks;
  if (ticks >= armed_.load(std::memory_order_relaxed)) return;  // the watchdog fires earlier
  std::lock_guard lock(mutex_);
  if (!stopped_ && ticks < armed_.load(std::memory_order_relaxed)) arm(deadline);
}

bool ConnectionDeadline::enter_idle(const std::atomic<bool>& stopping) {
  idle_ = true;
  return !stopping;
}

void ConnectionDeadline::end_idle_read() {
  if (idle_) cut(SHUT_RD);
}

void ConnectionDeadline::shorten_idle(Clock::time_point at) {
  if (idle_ && at.time_since_epoch().count() < deadline_.load()) set(at);
}

void ConnectionDeadline::stop() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  watchdog_.cancel();
}

void ConnectionDeadline::arm(Clock::time_point at) {
  armed_ = at.time_since_epoch().count();
  watchdog_.expires_at(at);
  watchdog_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec) self->on_watchdog();
  });
}

void ConnectionDeadline::on_watchdog() {
  std::lock_guard lock(mutex_);
  if (stopped_) return;
  auto now = Clock::now();
  auto deadline = Clock::time_point(Clock::duration(deadline_.load()));
  if (now < deadline) {
    arm(deadline == Clock::time_point::max() ? now + period_ : deadline);
    return;
  }
  cut_ = true;
  ::shutdown(descriptor_, SHUT_RDWR);
}

void ConnectionDeadline::cut(int how) {
  std::lock_guard lock(mutex_);
  if (stopped_) return;
  cut_ = true;
  ::shutdown(descriptor_, how);
}

}  // namespace cruddur::http
