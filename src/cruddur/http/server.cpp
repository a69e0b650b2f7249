// HTTP/1.1 server on Beast's parser: acceptor coroutine, one session coroutine and one deadline
// watchdog per connection, graceful stop.
#include "cruddur/http/server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <mutex>
#include <unordered_set>

#include "beast.hpp"
#include "cruddur/core/error.hpp"

namespace cruddur::http {

HttpRequest head_of(const Request& request) {
  HttpRequest out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  for (const auto& field : request) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return out;
}

namespace {

using tcp = asio::ip::tcp;
using asio::redirect_error;
using asio::use_awaitable;

// An answer as the bytes to send: the head (status line and fields), then the answer's body
// (`body_text()`, owned or shared); `answer` stays empty when no body is sent.
struct Wire {
  std::string head;
  HttpResponse answer;
};

bool has_line_break(std::string_view text) {
  return text.find('\r') != std::string_view::npos || text.find('\n') != std::string_view::npos;
}

// Serialises an answer as Beast 1.74 serialised the equivalent message (status line with Beast's
// reason phrase; Server, Content-Type, the handler's fields in order, Content-Length; Connection
// when keep-alive differs from the version's default), without Beast's serializer: that was the
// largest user-space cost of a cached hit (~20%). HEAD gets the head only; 1xx, 204 and 304 have
// neither a body nor Content-Length (RFC 9110 §8.6, as Beast's prepare_payload does). A field
// whose name or value holds CR or LF is dropped, so no handler can split the response.
Wire to_wire(HttpResponse&& answer, unsigned version, bool head, bool keep_alive) {
  Wire wire;
  auto& out = wire.head;
  out.reserve(256);
  auto field = [&out](std::string_view name, std::string_view value) {
    if (has_line_break(name) || has_line_break(value)) return;
    out.append(name).append(": ").append(value).append("\r\n");
  };
  bool bodiless = answer.status < 200 || answer.status == 204 || answer.status == 304;
  auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(answer.status));
  out.append("HTTP/")
      .append(std::to_string(version / 10))
      .append(".")
      .append(std::to_string(version % 10))
      .append(" ")
      .append(std::to_string(answer.status))
      .append(" ")
      .append(reason.data(), reason.size())
      .append("\r\n");
  field("Server", "cruddur");
  field("Content-Type", answer.content_type);
  for (const auto& [name, value] : answer.headers) field(name, value);
  if (!bodiless) field("Content-Length", std::to_string(answer.body_text().size()));
  if (version >= 11 && !keep_alive) field("Connection", "close");
  if (version < 11 && keep_alive) field("Connection", "keep-alive");
  out.append("\r\n");
  if (!head && !bodiless) wire.answer = std::move(answer);
  return wire;
}

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
// operations' per-read executor work tracking.
asio::awaitable<void> read_request(tcp::socket& socket, beast::flat_buffer& buffer,
                                   bhttp::request_parser<bhttp::string_body>& parser,
                                   beast::error_code& ec) {
  ec = {};
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

// The answer to a request the parser refused; the connection is closed after it.
HttpResponse refusal(const beast::error_code& ec) {
  unsigned status = 400;
  std::string code = "bad_request";
  if (ec == bhttp::error::body_limit) {
    status = 413;
    code = "payload_too_large";
  } else if (ec == bhttp::error::header_limit) {
    status = 431;
    code = "headers_too_large";
  }
  return HttpResponse::json(status,
                            fmt::format(R"({{"code":"{}","message":"{}"}})", code, ec.message()));
}

using Clock = std::chrono::steady_clock;

// One connection: its socket, used by its session coroutine only, and a watchdog that enforces the
// deadline of the current read or write phase. The session moves the deadline with an atomic
// store (no timer operation per phase); the watchdog's timer fires at the latest deadline it
// knows of, re-arms while the deadline has moved on, and once it has passed shuts the descriptor
// down, which ends the pending read or write with EOF or an error. The watchdog and stop() touch
// nothing of the socket object but its descriptor, under `mutex`, and only while it is open: no
// strand is needed although the io_context runs on several threads.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket&& socket, Clock::duration period)
      : socket_(std::move(socket)),
        descriptor_(socket_.native_handle()),
        period_(period),
        watchdog_(socket_.get_executor()) {}

  tcp::socket& socket() { return socket_; }

  // Starts the watchdog; the first phase ends at `deadline`.
  void watch(Clock::time_point deadline) {
    deadline_ = deadline.time_since_epoch().count();
    std::lock_guard lock(mutex_);
    arm(deadline);
  }

  // The current phase ends at `deadline` (Clock::time_point::max(): an untimed phase).
  void set_deadline(Clock::time_point deadline) {
    auto ticks = deadline.time_since_epoch().count();
    deadline_ = ticks;
    if (ticks >= armed_.load(std::memory_order_relaxed)) return;  // the watchdog fires earlier
    std::lock_guard lock(mutex_);
    if (!closed_ && ticks < armed_.load(std::memory_order_relaxed)) arm(deadline);
  }

  // Marks the connection as waiting for a request; false when the server is stopping (the
  // Server::Impl::stop side of this handshake reads `idle_` after setting `stopping`).
  bool enter_idle(const std::atomic<bool>& stopping) {
    idle_ = true;
    return !stopping;
  }
  void leave_idle() { idle_ = false; }

  // Ends the wait for a request of an idle connection (stop()): its read sees EOF.
  void end_idle_read() {
    if (idle_) cut(SHUT_RD);
  }

  // True once the watchdog or stop() has shut the connection down: its read error is no refusal.
  [[nodiscard]] bool was_cut() const { return cut_; }

  // Stops the watchdog and closes the socket (after shutting down sending, so queued bytes go).
  void close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
      watchdog_.cancel();
    }
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_send, ec);
    socket_.close(ec);
  }

 private:
  // Under mutex_.
  void arm(Clock::time_point at) {
    armed_ = at.time_since_epoch().count();
    watchdog_.expires_at(at);
    watchdog_.async_wait([self = shared_from_this()](const beast::error_code& ec) {
      if (!ec) self->on_watchdog();
    });
  }

  void on_watchdog() {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    auto now = Clock::now();
    auto deadline = Clock::time_point(Clock::duration(deadline_.load()));
    if (now < deadline) {
      arm(deadline == Clock::time_point::max() ? now + period_ : deadline);
      return;
    }
    cut_ = true;
    ::shutdown(descriptor_, SHUT_RDWR);
  }

  void cut(int how) {
    std::lock_guard lock(mutex_);
    if (closed_) return;
    cut_ = true;
    ::shutdown(descriptor_, how);
  }

  tcp::socket socket_;
  const int descriptor_;
  const Clock::duration period_;  // how often an untimed phase is looked at
  std::atomic<Clock::rep> deadline_{0};
  std::atomic<Clock::rep> armed_{0};  // when the watchdog fires next; written under mutex_
  std::atomic<bool> idle_{false};
  std::atomic<bool> cut_{false};
  std::mutex mutex_;
  asio::steady_timer watchdog_;  // under mutex_
  bool closed_ = false;          // under mutex_
};

}  // namespace

struct Server::Impl : std::enable_shared_from_this<Server::Impl> {
  Impl(asio::io_context& io_context, ServerOptions server_options, RequestHandler request_handler,
       RefusalHandler refusal_handler)
      : io(io_context),
        options(std::move(server_options)),
        handler(std::move(request_handler)),
        on_refusal(std::move(refusal_handler)),
        acceptor(io) {}

  asio::io_context& io;
  ServerOptions options;
  RequestHandler handler;
  RefusalHandler on_refusal;
  tcp::acceptor acceptor;
  std::uint16_t bound_port = 0;
  std::atomic<std::size_t> open_connections{0};
  std::atomic<bool> stopping{false};
  std::mutex mutex;
  std::unordered_set<Connection*> connections;  // open ones, so stop() can end their idle reads

  // Registers a session's connection; false once stopping.
  bool enter(Connection* connection) {
    std::lock_guard lock(mutex);
    if (stopping) return false;
    connections.insert(connection);
    return true;
  }

  void leave(Connection* connection) {
    std::lock_guard lock(mutex);
    connections.erase(connection);
  }

  void stop() {
    std::lock_guard lock(mutex);
    stopping = true;
    for (auto* connection : connections) connection->end_idle_read();
  }

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    while (acceptor.is_open()) {
      beast::error_code ec;
      auto socket = co_await acceptor.async_accept(redirect_error(use_awaitable, ec));
      if (ec) {
        if (!acceptor.is_open()) break;
        spdlog::warn("accept failed: {}", ec.message());
        continue;
      }
      auto connection = std::make_shared<Connection>(std::move(socket), options.read_timeout);
      asio::co_spawn(connection->socket().get_executor(), session(connection), asio::detached);
    }
  }

  // After refusing a request the client may still be sending it: closing with unread bytes would
  // reset the connection and could destroy the refusal before the client reads it. So stop
  // sending, then read and discard for a short, bounded while (a "lingering close").
  static asio::awaitable<void> linger(Connection& connection) {
    beast::error_code ec;
    connection.socket().shutdown(tcp::socket::shutdown_send, ec);
    connection.set_deadline(Clock::now() + std::chrono::seconds(2));
    std::array<char, 4096> scratch{};
    std::size_t discarded = 0;
    while (!ec && discarded < 1024 * 1024) {
      discarded += co_await connection.socket().async_read_some(asio::buffer(scratch),
                                                                redirect_error(use_awaitable, ec));
    }
  }

  // The refusal of a request the parser stopped at `ec`, completed by on_refusal.
  Wire refuse(const bhttp::request_parser<bhttp::string_body>& parser,
              const beast::error_code& ec) const {
    auto answer = refusal(ec);
    // The fields parsed before the error (Beast refuses an oversized Content-Length at the end
    // of the head, so a 413 has them all).
    if (on_refusal) on_refusal(head_of(parser.get()), answer);
    return to_wire(std::move(answer), 11, false, false);
  }

  asio::awaitable<void> session(std::shared_ptr<Connection> connection) {
    auto self = shared_from_this();
    ++open_connections;
    if (enter(connection.get())) {
      connection->watch(Clock::now() + options.read_timeout);
      co_await serve(*connection);
      leave(connection.get());
    }
    connection->close();
    --open_connections;
  }

  // Answers the connection's requests until it closes, fails, times out or the server stops.
  // Deadlines: read_timeout for reading a request (idle keep-alive included) and again for
  // writing its answer; none while the handler runs (the pool bounds it).
  asio::awaitable<void> serve(Connection& connection) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    while (true) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
      parser.body_limit(options.body_limit);
      connection.set_deadline(Clock::now() + options.read_timeout);
      if (!connection.enter_idle(stopping)) break;
      co_await read_request(connection.socket(), buffer, parser, ec);
      connection.leave_idle();
      // A request read in full is answered even if stop() ended the read a moment later.
      if (ec == bhttp::error::end_of_stream || ec == asio::error::operation_aborted
          || ec == asio::error::connection_reset || (ec && connection.was_cut())) {
        break;
      }
      if (ec) {
        auto wire = refuse(parser, ec);
        co_await write_wire(connection.socket(), wire, ec);
        co_await linger(connection);
        break;
      }
      connection.set_deadline(Clock::time_point::max());
      auto request = parser.release();
      auto converted = head_of(request);
      converted.body = std::move(request.body());  // not copied: the request is done with it
      auto answer = co_await handler(std::move(converted));
      bool keep_alive = request.keep_alive() && !stopping;
      auto wire = to_wire(std::move(answer), request.version(),
                          request.method() == bhttp::verb::head, keep_alive);
      connection.set_deadline(Clock::now() + options.read_timeout);
      co_await write_wire(connection.socket(), wire, ec);
      if (ec || !keep_alive) break;
    }
  }
};

Server::Server(asio::io_context& io, ServerOptions options, RequestHandler handler,
               RefusalHandler on_refusal)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(handler),
                                   std::move(on_refusal))) {}

Server::~Server() = default;

void Server::start() {
  auto& acceptor = impl_->acceptor;
  beast::error_code ec;
  auto address = asio::ip::make_address(impl_->options.host, ec);
  tcp::endpoint endpoint{address, impl_->options.port};
  if (!ec) acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw Error("listen_failed", fmt::format("cannot listen on {}:{}: {}", impl_->options.host,
                                             impl_->options.port, ec.message()));
  }
  impl_->bound_port = acceptor.local_endpoint().port();
  asio::co_spawn(acceptor.get_executor(), impl_->accept_loop(), asio::detached);
}

void Server::stop() {
  auto impl = impl_;
  asio::post(impl->acceptor.get_executor(), [impl] {
    beast::error_code ec;
    impl->acceptor.close(ec);
  });
  impl->stop();
}

std::size_t Server::open_connections() const {
  return impl_->open_connections.load();
}

std::uint16_t Server::port() const {
  return impl_->bound_port;
}

}  // namespace cruddur::http
