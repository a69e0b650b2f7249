// Async HTTP/1.1 client on Beast: TCP or TLS, whole-request deadline, per-host keep-alive reuse.
#include "cruddur/net/http_client.hpp"

#include <strings.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>
#include <deque>
#include <map>
#include <mutex>

#include "cruddur/net/errors.hpp"
#include "cruddur/net/url.hpp"

namespace cruddur::net {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Strand = asio::strand<asio::any_io_executor>;
using Request = bhttp::request<bhttp::string_body>;
using asio::redirect_error;
using asio::use_awaitable;

// One TCP or TLS connection. Every operation on it runs on its own strand; it belongs to one
// request at a time (or to the idle list).
struct Connection {
  Connection(const asio::any_io_executor& executor, ssl::context* tls_context)
      : strand(asio::make_strand(executor)) {
    if (tls_context != nullptr) {
      tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(strand, *tls_context);
    } else {
      plain = std::make_unique<beast::tcp_stream>(strand);
    }
  }

  beast::tcp_stream& tcp_layer() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  Strand strand;
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  bool connected = false;
  Clock::time_point parked_at;
};

bool is_ip_literal(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// A reused connection the server closed while it was parked fails like this before any byte of
// the response arrives; the request is then retried once on a fresh connection.
bool is_stale_close(const beast::error_code& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof
         || ec == asio::error::connection_reset || ec == asio::error::broken_pipe
         || ec == asio::ssl::error::stream_truncated;
}

bool is_idempotent(const Request& request) {
  auto method = request.method();
  return method == bhttp::verb::get || method == bhttp::verb::head || method == bhttp::verb::put
         || method == bhttp::verb::delete_ || method == bhttp::verb::options;
}

[[noreturn]] void throw_io_error(const beast::error_code& ec, const Url& url, const char* step) {
  auto where = url.host_header();
  if (ec == beast::error::timeout || ec == asio::error::operation_aborted) {
    throw TimeoutError("request to " + where + " timed out while " + step);
  }
  if (ec.category() == asio::error::get_ssl_category()
      || ec == asio::ssl::error::stream_truncated) {
    throw TlsError("TLS with " + where + " failed while " + step + ": " + ec.message());
  }
  throw ProtocolError("request to " + where + " failed while " + step + ": " + ec.message());
}

HttpResult to_result(bhttp::response<bhttp::string_body>&& response) {
  HttpResult out;
  out.status = response.result_int();
  for (const auto& field : response) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = std::move(response.body());
  return out;
}

// Cancels the resolution when the timer expires. (A plain function: lambdas made inside
// coroutines are miscompiled by g++ 12.)
void cancel_at_expiry(asio::steady_timer& timer, std::shared_ptr<tcp::resolver> resolver) {
  timer.async_wait([resolver](const boost::system::error_code& ec) {
    if (!ec) resolver->cancel();
  });
}

}  // namespace

std::optional<std::string> HttpResult::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (key.size() == name.size() && strncasecmp(key.data(), name.data(), key.size()) == 0) {
      return value;
    }
  }
  return std::nullopt;
}

struct HttpClient::Impl : std::enable_shared_from_this<HttpClient::Impl> {
  Impl(asio::any_io_executor io_executor, HttpClientOptions client_options)
      : executor(std::move(io_executor)),
        options(std::move(client_options)),
        tls_context(ssl::context::tls_client) {
    boost::system::error_code ec;
    tls_context.set_default_verify_paths(ec);
    tls_context.set_verify_mode(ssl::verify_peer);
    if (options.extra_ca_file) {
      tls_context.load_verify_file(*options.extra_ca_file, ec);
      if (ec)
        throw TlsError("cannot load the CA file " + *options.extra_ca_file + ": " + ec.message());
    }
  }

  asio::any_io_executor executor;
  HttpClientOptions options;
  ssl::context tls_context;
  std::mutex mutex;
  std::map<std::string, std::deque<std::shared_ptr<Connection>>> idle;  // newest at the back

  static std::string pool_key(const Url& url) {
    return url.scheme + "://" + url.host + ":" + std::to_string(url.port);
  }

  std::shared_ptr<Connection> take_idle(const std::string& key) {
    std::lock_guard lock(mutex);
    auto found = idle.find(key);
    if (found == idle.end()) return nullptr;
    auto& list = found->second;
    auto oldest_allowed = Clock::now() - options.idle_timeout;
    while (!list.empty()) {
      auto connection = std::move(list.back());
      list.pop_back();
      if (connection->parked_at >= oldest_allowed) return connection;
    }
    return nullptr;
  }

  void park(const std::string& key, std::shared_ptr<Connection> connection) {
    connection->parked_at = Clock::now();
    std::lock_guard lock(mutex);
    auto& list = idle[key];
    list.push_back(std::move(connection));
    while (list.size() > options.max_idle_per_host) list.pop_front();
  }

  // Resolves and connects (and handshakes) by the deadline. Runs on the connection's strand.
  asio::awaitable<void> connect(Connection& connection, const Url& url,
                                Clock::time_point deadline) {
    auto resolver = std::make_shared<tcp::resolver>(connection.strand);
    asio::steady_timer resolve_timer(connection.strand, deadline);
    cancel_at_expiry(resolve_timer, resolver);
    beast::error_code ec;
    auto endpoints = co_await resolver->async_resolve(url.host, std::to_string(url.port),
                                                      redirect_error(use_awaitable, ec));
    resolve_timer.cancel();
    if (ec == asio::error::operation_aborted) {
      throw TimeoutError("resolving " + url.host + " timed out");
    }
    if (ec) throw ConnectError("cannot resolve " + url.host + ": " + ec.message());

    auto& tcp_layer = connection.tcp_layer();
    tcp_layer.expires_at(deadline);
    co_await tcp_layer.async_connect(endpoints, redirect_error(use_awaitable, ec));
    if (ec == beast::error::timeout)
      throw TimeoutError("connecting to " + url.host_header() + " timed out");
    if (ec) throw ConnectError("cannot connect to " + url.host_header() + ": " + ec.message());
    tcp_layer.socket().set_option(tcp::no_delay(true), ec);

    if (connection.tls) {
      auto* handle = connection.tls->native_handle();
      // SSL_set_tlsext_host_name is a macro with a C cast; this is its expansion.
      if (!is_ip_literal(url.host)
          && SSL_ctrl(handle, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                      const_cast<char*>(url.host.c_str()))
                 != 1) {
        throw TlsError("cannot set the TLS server name for " + url.host);
      }
      connection.tls->set_verify_callback(ssl::host_name_verification(url.host));
      co_await connection.tls->async_handshake(ssl::stream_base::client,
                                               redirect_error(use_awaitable, ec));
      if (ec == beast::error::timeout)
        throw TimeoutError("TLS handshake with " + url.host_header() + " timed out");
      if (ec)
        throw TlsError("TLS handshake with " + url.host_header() + " failed: " + ec.message());
    }
    connection.connected = true;
  }

  template <class Stream>
  asio::awaitable<std::optional<HttpResult>> send(Stream& stream, Connection& connection,
                                                  Request& request, const Url& url, bool reused,
                                                  bool& keep_alive) {
    beast::error_code ec;
    co_await bhttp::async_write(stream, request, redirect_error(use_awaitable, ec));
    if (ec && reused && is_stale_close(ec)) co_return std::nullopt;
    if (ec) throw_io_error(ec, url, "sending the request");

    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(options.body_limit);
    if (request.method() == bhttp::verb::head) parser.skip(true);
    // The header first: Beast 1.74 does not enforce body_limit against Content-Length when the
    // whole message arrives in one read (eager parsing), so the length is checked here.
    co_await bhttp::async_read_header(stream, connection.buffer, parser,
                                      redirect_error(use_awaitable, ec));
    // Closed after taking the request: retrying is only safe when repeating it is harmless.
    if (ec && reused && !parser.got_some() && is_stale_close(ec) && is_idempotent(request)) {
      co_return std::nullopt;
    }
    if (!ec && parser.content_length() && *parser.content_length() > options.body_limit) {
      ec = bhttp::error::body_limit;
    }
    if (!ec && !parser.is_done()) {
      co_await bhttp::async_read(stream, connection.buffer, parser,
                                 redirect_error(use_awaitable, ec));
    }
    if (ec == bhttp::error::body_limit) {
      throw ProtocolError("the response from " + url.host_header() + " exceeds the body limit");
    }
    if (ec) throw_io_error(ec, url, "reading the response");
    keep_alive = parser.get().keep_alive();
    co_return to_result(parser.release());
  }

  // One attempt on `connection` (connecting it first if new). nullopt: a reused connection turned
  // out closed by the server before answering. Runs on the connection's strand.
  asio::awaitable<std::optional<HttpResult>> exchange(std::shared_ptr<Connection> connection,
                                                      const Url& url, Request& request,
                                                      Clock::time_point deadline,
                                                      bool& keep_alive) {
    auto self = shared_from_this();
    bool reused = connection->connected;
    if (!reused) co_await connect(*connection, url, deadline);
    connection->tcp_layer().expires_at(deadline);
    std::optional<HttpResult> result;
    if (connection->tls) {
      result = co_await send(*connection->tls, *connection, request, url, reused, keep_alive);
    } else {
      result = co_await send(*connection->plain, *connection, request, url, reused, keep_alive);
    }
    connection->tcp_layer().expires_never();
    co_return result;
  }
};

HttpClient::HttpClient(asio::any_io_executor executor, HttpClientOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {}

HttpClient::~HttpClient() = default;

void HttpClient::close_idle() {
  std::lock_guard lock(impl_->mutex);
  impl_->idle.clear();
}

asio::awaitable<HttpResult> HttpClient::request(std::string method, std::string url,
                                                Headers headers, std::string body,
                                                std::chrono::milliseconds timeout) {
  auto impl = impl_;
  auto target = parse_url(url);
  auto deadline = Clock::now() + timeout;
  Request request;
  request.method_string(method);
  request.target(target.target);
  request.version(11);
  request.set(bhttp::field::host, target.host_header());
  request.set(bhttp::field::user_agent, "cruddur");
  for (auto& [name, value] : headers) request.set(name, value);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    request.body() = std::move(body);
    request.prepare_payload();
  }
  auto key = Impl::pool_key(target);
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto connection = attempt == 0 ? impl->take_idle(key) : nullptr;
    if (!connection) {
      connection =
          std::make_shared<Connection>(impl->executor, target.tls() ? &impl->tls_context : nullptr);
    }
    bool keep_alive = false;
    auto result = co_await asio::co_spawn(
        connection->strand, impl->exchange(connection, target, request, deadline, keep_alive),
        use_awaitable);
    if (!result) continue;
    if (keep_alive) impl->park(key, std::move(connection));
    co_return std::move(*result);
  }
  throw ProtocolError("the connection to " + target.host_header()
                      + " was closed before a response");
}

}  // namespace cruddur::net
