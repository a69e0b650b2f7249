// Test support: a scripted Beast HTTP(S) server on its own io_context thread.
#include "scripted_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cctype>
#include <future>
#include <set>
#include <thread>

#include "cruddur/core/asio.hpp"
#include "subprocess.hpp"

namespace cruddur::test {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using asio::redirect_error;
using asio::use_awaitable;

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

struct ScriptedServer::Impl {
  Impl(Handler request_handler, std::optional<TlsFiles> tls_files)
      : handler(std::move(request_handler)), tls(std::move(tls_files)), acceptor(io) {
    if (tls) {
      tls_context.use_certificate_chain_file(tls->certificate);
      tls_context.use_private_key_file(tls->private_key, ssl::context::pem);
    }
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen();
    bound_port = acceptor.local_endpoint().port();
  }

  Handler handler;
  std::optional<TlsFiles> tls;
  asio::io_context io{1};
  ssl::context tls_context{ssl::context::tls_server};
  tcp::acceptor acceptor;
  std::uint16_t bound_port = 0;
  std::atomic<int> accepted{0};
  std::set<tcp::socket*> open;  // touched on the io thread only
  std::thread thread;

  asio::awaitable<void> accept_loop() {
    while (true) {
      beast::error_code ec;
      auto socket = co_await acceptor.async_accept(redirect_error(use_awaitable, ec));
      if (ec) co_return;
      ++accepted;
      asio::co_spawn(io, session(std::move(socket)), asio::detached);
    }
  }

  template <class Stream>
  asio::awaitable<void> serve(Stream& stream) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    while (true) {
      bhttp::request<bhttp::string_body> request;
      co_await bhttp::async_read(stream, buffer, request, redirect_error(use_awaitable, ec));
      if (ec) co_return;
      ScriptedRequest scripted{
          std::string(request.method_string()), std::string(request.target()), {}, request.body()};
      for (const auto& field : request) {
        scripted.headers[lower(std::string(field.name_string()))] = std::string(field.value());
      }
      auto answer = handler(scripted);
      if (answer.delay.count() > 0) {
        asio::steady_timer timer(io, answer.delay);
        co_await timer.async_wait(redirect_error(use_awaitable, ec));
      }
      bhttp::response<bhttp::string_body> response{static_cast<bhttp::status>(answer.status), 11};
      for (auto& [name, value] : answer.headers) response.set(name, value);
      response.body() = answer.body;
      response.keep_alive(request.keep_alive() && !answer.close);
      response.prepare_payload();
      co_await bhttp::async_write(stream, response, redirect_error(use_awaitable, ec));
      if (ec || !response.keep_alive()) co_return;
    }
  }

  asio::awaitable<void> session(tcp::socket socket) {
    beast::error_code ec;
    if (tls) {
      beast::ssl_stream<tcp::socket> stream(std::move(socket), tls_context);
      auto* raw = &stream.next_layer();
      open.insert(raw);
      co_await stream.async_handshake(ssl::stream_base::server, redirect_error(use_awaitable, ec));
      if (!ec) co_await serve(stream);
      open.erase(raw);
      stream.next_layer().close(ec);
    } else {
      open.insert(&socket);
      co_await serve(socket);
      open.erase(&socket);
      socket.close(ec);
    }
  }
};

TlsFiles make_self_signed_certificate(const std::string& dir, const std::string& host) {
  TlsFiles files{dir + "/cert.pem", dir + "/key.pem"};
  auto made = run_process({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                           "-subj", "/CN=" + host, "-addext", "subjectAltName=DNS:" + host,
                           "-keyout", files.private_key, "-out", files.certificate});
  if (made.exit_code != 0) throw std::runtime_error("openssl req failed: " + made.err);
  return files;
}

ScriptedServer::ScriptedServer(Handler handler, std::optional<TlsFiles> tls)
    : impl_(std::make_shared<Impl>(std::move(handler), std::move(tls))) {
  asio::co_spawn(impl_->io, impl_->accept_loop(), asio::detached);
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

ScriptedServer::~ScriptedServer() {
  impl_->io.stop();
  impl_->thread.join();
}

std::uint16_t ScriptedServer::port() const {
  return impl_->bound_port;
}

int ScriptedServer::connections() const {
  return impl_->accepted.load();
}

void ScriptedServer::drop_connections() {
  std::promise<void> done;
  asio::post(impl_->io, [this, &done] {
    for (auto* socket : impl_->open) {
      beast::error_code ec;
      socket->shutdown(tcp::socket::shutdown_both, ec);
      socket->close(ec);
    }
    done.set_value();
  });
  done.get_future().wait();
}

}  // namespace cruddur::test
