// `cruddur serve`: builds the App (io_context, router, server), runs it, shuts it down gracefully.
#include "app.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <thread>
#include <vector>

#include "cruddur/core/asio.hpp"
#include "cruddur/core/log.hpp"
#include "cruddur/db/conninfo.hpp"
#include "cruddur/http/metrics.hpp"
#include "cruddur/http/operational_routes.hpp"
#include "cruddur/http/pipeline.hpp"
#include "cruddur/http/router.hpp"
#include "cruddur/http/server.hpp"

namespace cruddur::app {

int serve(const core::Config& config, bool prod) {
  core::init_logging(config.log_format, config.log_level);
  const auto& url = config.database_url(prod);
  unsigned threads = config.threads != 0 ? config.threads
                                          : std::max(1u, std::thread::hardware_concurrency());
  asio::io_context io(static_cast<int>(threads));
  http::Metrics metrics;
  http::Router router;
  http::add_operational_routes(router, metrics);
  http::CorsPolicy cors;
  for (const auto& origin : {config.frontend_url, config.backend_url}) {
    if (origin) cors.allowed_origins.push_back(*origin);
  }
  http::Pipeline pipeline(router, std::move(cors), metrics);
  http::Server server(io, {config.host, config.port},
                      [&pipeline](http::HttpRequest request) { return pipeline.handle(std::move(request)); });
  server.start();
  spdlog::info("listening on http://{}:{} with {} thread(s); database {}{}", config.host,
               server.port(), threads, db::ConnInfo(url).display(), prod ? " (production)" : "");

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: no new connections, finishing requests in flight", signal);
    server.stop();
  });

  std::vector<std::thread> workers;
  for (unsigned i = 1; i < threads; ++i) workers.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& worker : workers) worker.join();
  spdlog::info("stopped");
  return 0;
}

}  // namespace cruddur::app
