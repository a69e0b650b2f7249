// The HTTP/1.1 server: a listener whose accepted connections each run a session coroutine, and a
// graceful stop.
#include "cruddur/http/server.hpp"

#include "cruddur/core/report_escaped.hpp"
#include "listener.hpp"
#include "session.hpp"

namespace cruddur::http {

struct Server::Impl {
  Impl(asio::io_context& io_context, ServerOptions options, RequestHandler handler,
       RefusalHandler on_refusal)
      : io(io_context),
        listener(io_context),
        sessions(std::make_shared<SessionContext>(std::move(options), std::move(handler),
                                                  std::move(on_refusal))) {}

  // Accepts until the listener closes. The frame keeps the server's state alive meanwhile. (The
  // callback is made outside: g++ 12 destroys a lambda's captures twice when the lambda is made
  // inside a coroutine.)
  static asio::awaitable<void> accept(std::shared_ptr<Impl> impl, Listener::OnAccept on_accept) {
    co_await impl->listener.accept_loop(std::move(on_accept));
  }

  asio::io_context& io;
  Listener listener;
  std::shared_ptr<SessionContext> sessions;
};

Server::Server(asio::io_context& io, ServerOptions options, RequestHandler handler,
               RefusalHandler on_refusal)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(handler),
                                   std::move(on_refusal))) {}

Server::~Server() = default;

void Server::start() {
  const auto& options = impl_->sessions->options;
  impl_->listener.open(options.host, options.port);
  // Each connection runs its own session, which keeps the sessions' shared state alive.
  Listener::OnAccept on_accept = [sessions = impl_->sessions](asio::ip::tcp::socket socket) {
    auto executor = socket.get_executor();
    asio::co_spawn(executor, run_session(sessions, std::move(socket)),
                   core::ReportEscaped{"http session"});
  };
  asio::co_spawn(impl_->io, Impl::accept(impl_, std::move(on_accept)),
                 core::ReportEscaped{"http listener"});
}

void Server::drain() {
  asio::post(impl_->io, [impl = impl_] { impl->listener.close(); });
  impl_->sessions->registry.drain();
}

void Server::stop() {
  asio::post(impl_->io, [impl = impl_] { impl->listener.close(); });
  impl_->sessions->registry.stop();
}

std::size_t Server::open_connections() const {
  return impl_->sessions->registry.open_connections();
}

std::uint16_t Server::port() const {
  return impl_->listener.port();
}

}  // namespace cruddur::http
