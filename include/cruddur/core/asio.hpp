#pragma once
// The one place that includes Boost.Asio. Boost 1.74's awaitable.hpp uses std::exchange without
// including <utility> (g++ 12 no longer pulls it in transitively), so it comes first here.
// Include this header instead of any <boost/asio/...> header.

#include <utility>

// g++ 12 at -O2 reports a false "potential null pointer dereference" inside Asio's scheduler
// (scheduler.ipp, compensating_work_started); it is Asio's code, so it is silenced here only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/defer.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#pragma GCC diagnostic pop

namespace cruddur {
namespace asio = boost::asio;
}  // namespace cruddur
