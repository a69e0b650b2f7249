// Beast HTTP/1.1 server: acceptor coroutine, one session coroutine per connection, graceful stop.
#include "cruddur/http/server.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <array>
#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <mutex>
#include <set>

#include "beast.hpp"
#include "cruddur/core/error.hpp"

namespace cruddur::http {
namespace {

using tcp = asio::ip::tcp;
using asio::redirect_error;
using asio::use_awaitable;

// The head of a request as the handlers see it (method, target, fields); the caller moves the
// body in, or leaves it empty for a refused request whose body was never read.
HttpRequest head_of(const Request& request) {
  HttpRequest out;
  out.method = std::string(request.method_string());
  out.target = std::string(request.target());
  for (const auto& field : request) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return out;
}

// An answer as the bytes to send: the head (status line and fields) and the body.
struct Wire {
  std::string head;
  std::string body;
};

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
    if (name.find_first_of("\r\n") != std::string_view::npos
        || value.find_first_of("\r\n") != std::string_view::npos) {
      return;
    }
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
  if (!bodiless) field("Content-Length", std::to_string(answer.body.size()));
  if (version >= 11 && !keep_alive) field("Connection", "close");
  if (version < 11 && keep_alive) field("Connection", "keep-alive");
  out.append("\r\n");
  if (!head && !bodiless) wire.body = std::move(answer.body);
  return wire;
}

// Writes the head and the body in one gather write.
asio::awaitable<void> write_wire(beast::tcp_stream& stream, const Wire& wire,
                                 beast::error_code& ec) {
  std::array<asio::const_buffer, 2> buffers;  // not a braced list (g++ 12 coroutines)
  buffers[0] = asio::buffer(wire.head);
  buffers[1] = asio::buffer(wire.body);
  co_await asio::async_write(stream, buffers, redirect_error(use_awaitable, ec));
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
  std::mutex mutex;
  std::set<std::shared_ptr<beast::tcp_stream>> idle;  // connections waiting for a request
  bool stopping = false;

  // Registers a connection as waiting for a request, so stop() can close it; false once stopping.
  bool enter_idle(const std::shared_ptr<beast::tcp_stream>& stream) {
    std::lock_guard lock(mutex);
    if (stopping) return false;
    idle.insert(stream);
    return true;
  }

  void leave_idle(const std::shared_ptr<beast::tcp_stream>& stream) {
    std::lock_guard lock(mutex);
    idle.erase(stream);
  }

  asio::awaitable<void> accept_loop() {
    auto self = shared_from_this();
    while (acceptor.is_open()) {
      beast::error_code ec;
      auto socket =
          co_await acceptor.async_accept(asio::make_strand(io), redirect_error(use_awaitable, ec));
      if (ec) {
        if (!acceptor.is_open()) break;
        spdlog::warn("accept failed: {}", ec.message());
        continue;
      }
      auto stream = std::make_shared<beast::tcp_stream>(std::move(socket));
      asio::co_spawn(stream->get_executor(), session(stream), asio::detached);
    }
  }

  // After refusing a request the client may still be sending it: closing with unread bytes would
  // reset the connection and could destroy the refusal before the client reads it. So stop
  // sending, then read and discard for a short, bounded while (a "lingering close").
  static asio::awaitable<void> linger(beast::tcp_stream& stream) {
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.expires_after(std::chrono::seconds(2));
    std::array<char, 4096> scratch{};
    std::size_t discarded = 0;
    while (!ec && discarded < 1024 * 1024) {
      discarded +=
          co_await stream.async_read_some(asio::buffer(scratch), redirect_error(use_awaitable, ec));
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

  asio::awaitable<void> session(std::shared_ptr<beast::tcp_stream> stream) {
    auto self = shared_from_this();
    ++open_connections;
    beast::flat_buffer buffer;
    beast::error_code ec;
    while (true) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
      parser.body_limit(options.body_limit);
      stream->expires_after(options.read_timeout);
      if (!enter_idle(stream)) break;
      co_await bhttp::async_read(*stream, buffer, parser, redirect_error(use_awaitable, ec));
      leave_idle(stream);
      if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout
          || ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
        break;
      }
      if (ec) {
        auto wire = refuse(parser, ec);
        co_await write_wire(*stream, wire, ec);
        co_await linger(*stream);
        break;
      }
      auto request = parser.release();
      auto converted = head_of(request);
      converted.body = std::move(request.body());  // not copied: the request is done with it
      auto answer = co_await handler(std::move(converted));
      bool keep_alive = request.keep_alive();
      {
        std::lock_guard lock(mutex);
        keep_alive = keep_alive && !stopping;
      }
      auto wire = to_wire(std::move(answer), request.version(),
                          request.method() == bhttp::verb::head, keep_alive);
      co_await write_wire(*stream, wire, ec);
      if (ec || !keep_alive) break;
    }
    stream->socket().shutdown(tcp::socket::shutdown_send, ec);
    stream->socket().close(ec);
    --open_connections;
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
  std::lock_guard lock(impl->mutex);
  impl->stopping = true;
  for (const auto& stream : impl->idle) {
    asio::post(stream->get_executor(), [stream] { stream->cancel(); });
  }
}

std::size_t Server::open_connections() const {
  return impl_->open_connections.load();
}

std::uint16_t Server::port() const {
  return impl_->bound_port;
}

}  // namespace cruddur::http
