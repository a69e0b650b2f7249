// One client connection: read a request, answer it, repeat while kept alive; refusals, deadlines
// and a lingering close; clean-up however the session ends.
#include "session.hpp"

#include <array>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/write.hpp>
#include <chrono>

#include "beast.hpp"
#include "connection_deadline.hpp"
#include "cruddur/core/scope_exit.hpp"
#include "wire_format.hpp"

namespace cruddur::http {
namespace {

using tcp = asio::ip::tcp;
using asio::redirect_error;
using asio::use_awaitable;
using Clock = ConnectionDeadline::Clock;
using Parser = bhttp::request_parser<bhttp::string_body>;

// Writes the head and the body in one gather write.
asio::awaitable<void> write_wire(tcp::socket& socket, const Wire& wire, beast::error_code& ec) {
  std::array<asio::const_buffer, 2> buffers;  // not a braced list (g++ 12 coroutines)
  buffers[0] = asio::buffer(wire.head);
  buffers[1] = asio::buffer(wire.answer.body_text());
  co_await asio::async_write(socket, buffers, redirect_error(use_awaitable, ec));
}

// Reads one request into `parser` exactly as Beast 1.74's http::async_read does (read_op over
// read_some_op: parse what is buffered, read at most 64 KiB more while the parser needs more; at
// EOF, end_of_stream before any byte of a request, else what put_eof says), without the composed
// operations' per-read executor work tracking. Once its first bytes have come, the rest of the
// request must come within `read_timeout` (moves `deadline`; the wait for the first byte is bounded
// by the caller's idle deadline).
asio::awaitable<void> read_request(tcp::socket& socket, beast::flat_buffer& buffer, Parser& parser,
                                   beast::error_code& ec, ConnectionDeadline& deadline,
                                   Clock::duration read_timeout) {
  ec = {};
  bool started = buffer.size() > 0;
  while (!parser.is_done()) {
    if (buffer.size() > 0) {
      buffer.consume(parser.put(buffer.data(), ec));
      if (ec && ec != bhttp::error::need_more) co_return;
      if (!ec) continue;
      ec = {};
    }
    auto size = beast::read_size(buffer, 65536);
    if (size == 0) {
      ec = bhttp::error::buffer_overflow;
      co_return;
    }
    auto received =
        co_await socket.async_read_some(buffer.prepare(size), redirect_error(use_awaitable, ec));
    buffer.commit(received);
    if (!started && received > 0) {
      started = true;
      deadline.set(Clock::now() + read_timeout);
    }
    if (ec == asio::error::eof) {
      ec = {};
      if (parser.got_some()) {
        parser.put_eof(ec);
      } else {
        ec = bhttp::error::end_of_stream;
      }
      co_return;
    }
    if (ec) co_return;
  }
}

// After refusing a request the client may still be sending it: closing with unread bytes would
// reset the connection and could destroy the refusal before the client reads it. So stop
// sending, then read and discard for a short, bounded while (a "lingering close").
asio::awaitable<void> linger(tcp::socket& socket, ConnectionDeadline& deadline) {
  beast::error_code ec;
  socket.shutdown(tcp::socket::shutdown_send, ec);
  deadline.set(Clock::now() + std::chrono::seconds(2));
  std::array<char, 4096> scratch{};
  std::size_t discarded = 0;
  while (!ec && discarded < 1024 * 1024) {
    discarded +=
        co_await socket.async_read_some(asio::buffer(scratch), redirect_error(use_awaitable, ec));
  }
}

// The refusal of a request the parser stopped at `ec`, completed by on_refusal with the fields
// parsed before the error (Beast refuses an oversized Content-Length at the end of the head, so
// a 413 has them all).
Wire refuse(const SessionContext& context, const Parser& parser, const beast::error_code& ec) {
  auto answer = refusal(ec);
  if (context.on_refusal) context.on_refusal(head_of(parser.get()), answer);
  return to_wire(std::move(answer), 11, false, false);
}

// Answers the connection's requests until it closes, fails, times out or the server stops.
// Deadlines: idle_timeout for the next request's first byte on a kept-alive connection,
// read_timeout for a new connection's first request, for reading the rest of a request once its
// first byte came, and again for writing its answer; none while the
// handler runs (the pool bounds it). Once the server drains, every answer ends its connection.
asio::awaitable<void> serve(const SessionContext& context, tcp::socket& socket,
                            ConnectionDeadline& deadline) {
  const auto& options = context.options;
  const auto& stopping = context.registry.stopping();
  beast::flat_buffer buffer;
  beast::error_code ec;
  bool kept_alive = false;  // a request has been answered on this connection
  while (true) {
    Parser parser;
    parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
    parser.body_limit(options.body_limit);
    // Nothing buffered on a kept-alive connection: wait for the next request's first byte as long
    // as it may idle; read_request then gives the request read_timeout to arrive whole. A new
    // connection must bring its first request within read_timeout.
    bool waiting = buffer.size() == 0;
    deadline.set(Clock::now()
                 + (waiting && kept_alive ? options.idle_timeout : options.read_timeout));
    if (!deadline.enter_idle(stopping)) break;
    // Draining: a request already on its way is still answered; no other is waited for. (After
    // enter_idle: either this sees closing, or the registry's drain() sees this idle.)
    if (waiting && context.registry.closing()) {
      deadline.shorten_idle(Clock::now() + kClosingIdle);
    }
    co_await read_request(socket, buffer, parser, ec, deadline, options.read_timeout);
    deadline.leave_idle();
    // A request read in full is answered even if stop() ended the read a moment later.
    if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted
        || ec == asio::error::connection_reset || (ec && deadline.was_cut())) {
      break;
    }
    if (ec) {
      auto wire = refuse(context, parser, ec);
      co_await write_wire(socket, wire, ec);
      co_await linger(socket, deadline);
      break;
    }
    deadline.set(Clock::time_point::max());
    auto request = parser.release();
    auto converted = head_of(request);
    converted.body = std::move(request.body());  // not copied: the request is done with it
    auto answer = co_await context.handler(std::move(converted));
    bool keep_alive = request.keep_alive() && !context.registry.closing();
    auto wire = to_wire(std::move(answer), request.version(), request.method() == bhttp::verb::head,
                        keep_alive);
    deadline.set(Clock::now() + options.read_timeout);
    co_await write_wire(socket, wire, ec);
    if (ec || !keep_alive) break;
    kept_alive = true;
  }
}

}  // namespace

HttpRequest head_of(const Request& request) {
  HttpRequest out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  for (const auto& field : request) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return out;
}

asio::awaitable<void> run_session(std::shared_ptr<SessionContext> context, tcp::socket socket) {
  auto& registry = context->registry;
  registry.opened();
  auto deadline = std::make_shared<ConnectionDeadline>(
      socket.get_executor(), socket.native_handle(), context->options.read_timeout);
  bool entered = registry.enter(deadline.get());
  // Runs however the session ends, an exception included: the watchdog stops before the
  // descriptor is closed, and the server's stop() can no longer reach this connection.
  core::ScopeExit close{[&] {
    if (entered) registry.leave(deadline.get());
    deadline->stop();
    beast::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_send, ignored);  // queued bytes still go
    socket.close(ignored);
    registry.closed();
  }};
  if (!entered) co_return;
  deadline->watch(Clock::now() + context->options.read_timeout);
  co_await serve(*context, socket, *deadline);
}

}  // namespace cruddur::http
