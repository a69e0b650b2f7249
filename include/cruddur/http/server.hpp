#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "cruddur/core/asio.hpp"
#include "cruddur/http/message.hpp"

namespace cruddur::http {

/// Answers one request; must not throw (the Pipeline never does).
using RequestHandler = std::function<asio::awaitable<HttpResponse>(HttpRequest)>;

/// Completes the server's answer to a request its parser refused (400, 413, 431) before it is
/// sent — request id, CORS headers, metrics, access log. `request` holds what was parsed before the
/// refusal (method, target, complete header fields; possibly nothing), never a body. Must not
/// throw.
using RefusalHandler = std::function<void(const HttpRequest& request, HttpResponse& refusal)>;

/// Limits that protect the server from slow or hostile clients.
struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 4567;              ///< 0 picks a free port (tests)
  std::size_t body_limit = 16 * 1024;     ///< larger bodies get 413
  std::size_t header_limit = 8 * 1024;    ///< larger request heads get 431
  std::chrono::seconds read_timeout{15};  ///< a request (or its answer) this slow → closed
  /// How long a kept-alive connection may wait for its next request (`HTTP_IDLE_TIMEOUT_S`; a new
  /// connection's first request must come within read_timeout):
  /// longer than a load balancer's own idle timeout (60 s on an ALB), so that the balancer is the
  /// one that closes and never sends a request on a connection the server is closing.
  std::chrono::seconds idle_timeout{75};
};

/// HTTP/1.1 server: one coroutine per connection on the io_context's threads, a fresh parser per
/// request, keep-alive. Requests are answered by `handler`; the server's own refusals pass through
/// `on_refusal` when given.
/// Thread-safe: start/stop may be called from any thread.
class Server {
 public:
  Server(asio::io_context& io, ServerOptions options, RequestHandler handler,
         RefusalHandler on_refusal = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Binds and listens. Throws cruddur::Error("listen_failed") naming the address and the cause.
  void start();
  /// Stops accepting; every answer from now on carries `Connection: close` and ends its
  /// connection; a connection idle in keep-alive is closed if no request comes within a second.
  void drain();
  /// Stops accepting; each open connection finishes the request in progress and closes; idle ones
  /// close now.
  void stop();
  /// Connections currently open (in a request or idle in keep-alive).
  [[nodiscard]] std::size_t open_connections() const;
  /// The bound port (useful with port 0).
  [[nodiscard]] std::uint16_t port() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace cruddur::http
