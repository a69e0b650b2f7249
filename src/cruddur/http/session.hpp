#pragma once
// Private to the http layer: one client connection's life, from accept to close.

#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "cruddur/core/asio.hpp"
#include "cruddur/http/server.hpp"
#include "session_registry.hpp"

namespace cruddur::http {

/// What every session of one server shares. Owned by the server, kept alive by each session.
struct SessionContext {
  SessionContext(ServerOptions server_options, RequestHandler request_handler,
                 RefusalHandler refusal_handler)
      : options(std::move(server_options)),
        handler(std::move(request_handler)),
        on_refusal(std::move(refusal_handler)) {}

  ServerOptions options;
  RequestHandler handler;
  RefusalHandler on_refusal;
  SessionRegistry registry;
};

/// Serves one accepted connection until it closes, fails, times out or the server stops: a fresh
/// parser per request (the limits of `options`), answers from `handler`, the parser's refusals
/// completed by `on_refusal`, keep-alive, read and write deadlines. Whatever ends it — an
/// exception included — the connection leaves the registry, is closed and is no longer counted
/// as open; the exception then propagates to the co_spawn's completion handler.
asio::awaitable<void> run_session(std::shared_ptr<SessionContext> context,
                                  asio::ip::tcp::socket socket);

}  // namespace cruddur::http
