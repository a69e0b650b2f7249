#pragma once
// Test support: drive an awaitable to completion on a test's io_context.

#include <boost/asio/use_future.hpp>
#include <chrono>
#include <future>

#include "cruddur/core/asio.hpp"

namespace cruddur::test {

/// Spawns `work` on `io` and runs handlers one at a time until it has finished, leaving any other
/// work (timers, background reads) queued; returns its result or rethrows its exception. `io` is
/// left ready to run again (io_context stops itself when its work runs out, which it may as the
/// work finishes).
template <class T>
T run_awaitable(asio::io_context& io, asio::awaitable<T> work) {
  auto future = asio::co_spawn(io, std::move(work), asio::use_future);
  io.restart();
  while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) io.run_one();
  io.restart();
  return future.get();
}

}  // namespace cruddur::test
