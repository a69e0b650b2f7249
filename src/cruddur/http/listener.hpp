#pragma once
// Private to the http layer: the listening socket and its accept loop.

#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <string>

#include "cruddur/core/asio.hpp"

namespace cruddur::http {

/// Accepts connections on one address and hands each to a callback. Not thread-safe: open() before
/// the loop starts, close() on the io_context (posted there), like every acceptor operation.
class Listener {
 public:
  using OnAccept = std::function<void(asio::ip::tcp::socket)>;

  explicit Listener(asio::io_context& io) : acceptor_(io) {}

  /// Binds and listens (port 0 picks a free port). Throws cruddur::Error("listen_failed")
  /// naming the address and the cause.
  void open(const std::string& host, std::uint16_t port);
  /// The bound port.
  [[nodiscard]] std::uint16_t port() const { return port_; }
  /// Accepts until close(), handing each new connection to `on_accept` on the accepting thread;
  /// a failed accept is logged and the loop goes on. The Listener must outlive it.
  asio::awaitable<void> accept_loop(OnAccept on_accept);
  /// Stops accepting: the loop ends, new connections are refused.
  void close();

 private:
  asio::ip::tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
};

}  // namespace cruddur::http
