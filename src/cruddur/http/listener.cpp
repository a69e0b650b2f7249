// The server's listening socket: bind, listen, accept until closed.
#include "listener.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/redirect_error.hpp>

#include "cruddur/core/error.hpp"

namespace cruddur::http {

using tcp = asio::ip::tcp;

void Listener::open(const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(host, ec);
  tcp::endpoint endpoint{address, port};
  if (!ec) acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw Error("listen_failed",
                fmt::format("cannot listen on {}:{}: {}", host, port, ec.message()));
  }
  port_ = acceptor_.local_endpoint().port();
}

asio::awaitable<void> Listener::accept_loop(OnAccept on_accept) {
  while (acceptor_.is_open()) {
    boost::system::error_code ec;
    auto socket = co_await acceptor_.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (!acceptor_.is_open()) break;
      spdlog::warn("accept failed: {}", ec.message());
      continue;
    }
    on_accept(std::move(socket));
  }
}

void Listener::close() {
  boost::system::error_code ec;
  acceptor_.close(ec);
}

}  // namespace cruddur::http
