// `cruddur serve`: builds the App (io_context, catalog, verifier, pool, feed cache, services,
// router, server), runs it, and shuts it down gracefully on SIGINT/SIGTERM.
#include "app.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <thread>
#include <vector>

#include "cruddur/aws/access_token_config.hpp"
#include "cruddur/aws/access_token_verifier.hpp"
#include "cruddur/cache/cache_aside.hpp"
#include "cruddur/cache/factory.hpp"
#include "cruddur/cache/invalidation_retry.hpp"
#include "cruddur/cache/safe_cache.hpp"
#include "cruddur/core/asio.hpp"
#include "cruddur/core/log.hpp"
#include "cruddur/db/catalog.hpp"
#include "cruddur/db/conninfo.hpp"
#include "cruddur/db/listener.hpp"
#include "cruddur/db/pool.hpp"
#include "cruddur/db/read_router.hpp"
#include "cruddur/http/api_routes.hpp"
#include "cruddur/http/metrics.hpp"
#include "cruddur/http/operational_routes.hpp"
#include "cruddur/http/pipeline.hpp"
#include "cruddur/http/router.hpp"
#include "cruddur/http/server.hpp"
#include "cruddur/service/activities.hpp"
#include "cruddur/service/authenticator.hpp"
#include "cruddur/service/change.hpp"
#include "cruddur/service/changes.hpp"
#include "cruddur/service/feed_cache.hpp"
#include "cruddur/service/users.hpp"
#include "scale_gauges.hpp"

namespace cruddur::app {
namespace {

constexpr std::chrono::seconds kDrainTimeout{10};
// How long start-up waits for the changes channel before it serves anyway (its trouble is logged).
constexpr std::chrono::seconds kHearingAtStart{5};

std::vector<std::pair<std::string, double>> pool_gauges(const db::PoolStats& stats) {
  std::vector<std::pair<std::string, double>> gauges{
      {"cruddur_db_pool_size", stats.size},
      {"cruddur_db_pool_idle", stats.idle},
      {"cruddur_db_pool_busy", stats.busy},
      {"cruddur_db_pool_connecting", stats.connecting},
      {"cruddur_db_pool_waiting", stats.waiting},
      {"cruddur_db_pool_requests_total", static_cast<double>(stats.requests)},
      {"cruddur_db_pool_acquire_timeouts_total", static_cast<double>(stats.acquire_timeouts)},
      {"cruddur_db_pool_reconnects_total", static_cast<double>(stats.reconnects)},
      {"cruddur_db_pool_connect_failures_total", static_cast<double>(stats.connect_failures)}};
  for (std::size_t i = 0; i < db::kDiscardReasons; ++i) {
    gauges.emplace_back(fmt::format("cruddur_db_pool_discards_{}_total",
                                    db::to_string(static_cast<db::DiscardReason>(i))),
                        static_cast<double>(stats.discards[i]));
  }
  return gauges;
}

std::vector<std::pair<std::string, double>> cache_counters(const cache::CacheStats& stats) {
  return {{"cruddur_cache_hits_total", static_cast<double>(stats.hits)},
          {"cruddur_cache_misses_total", static_cast<double>(stats.misses)},
          {"cruddur_cache_errors_total", static_cast<double>(stats.errors)},
          {"cruddur_cache_timeouts_total", static_cast<double>(stats.timeouts)},
          {"cruddur_cache_sets_total", static_cast<double>(stats.sets)},
          {"cruddur_cache_set_failures_total", static_cast<double>(stats.set_failures)},
          {"cruddur_cache_invalidations_total", static_cast<double>(stats.invalidations)},
          {"cruddur_cache_invalidation_failures_total",
           static_cast<double>(stats.invalidation_failures)}};
}

void add_ready_route(http::Router& router, db::Pool& pool, db::StatementId ready) {
  router.add("GET", "/api/ready",
             [&pool, ready](http::RequestContext&) -> asio::awaitable<http::HttpResponse> {
               co_await pool.query_value(ready);
               co_return http::HttpResponse::json(200, R"({"ready":true})");
             });
}

// The background parts of scaling out, closed together at shutdown.
struct ScaleOut {
  db::ReadRouter& reads;
  cache::InvalidationRetry& retry;
  service::Changes& changes;
  db::Listener& listener;

  void close() {
    listener.close();
    changes.close();
    retry.close();
    reads.close();
  }
};

// Runs the io_context on this thread until the changes channel is confirmed, its probe failed, or
// kHearingAtStart passed: so that normally nothing is cached here before this server hears the
// other servers' writes.
void await_changes_channel(asio::io_context& io, const service::Changes& changes) {
  auto deadline = std::chrono::steady_clock::now() + kHearingAtStart;
  while (std::chrono::steady_clock::now() < deadline) {
    auto stats = changes.stats();
    if (stats.hearing || stats.probe_failures > 0) return;
    io.run_one_for(std::chrono::milliseconds(10));
  }
}

db::ReadRouterOptions read_options(const core::Config& config) {
  db::ReadRouterOptions options;
  if (config.read_connection_url)
    options.replica_urls = db::split_urls(*config.read_connection_url);
  options.max_lag = config.read_max_lag;
  return options;
}

// After stop(): lets requests in flight finish (bounded), then closes the cache's connections and
// the pool so the io_context runs out of work.
asio::awaitable<void> drain(http::Server& server, cache::Cache& cache, db::Pool& pool,
                            ScaleOut scale_out) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  auto deadline = std::chrono::steady_clock::now() + kDrainTimeout;
  while (server.open_connections() > 0 && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(asio::use_awaitable);
  }
  scale_out.close();
  cache.close();
  pool.close();
  spdlog::info("drained; {} connection(s) still open", server.open_connections());
}

}  // namespace

int serve(const core::Config& config, bool prod) {
  core::init_logging(config.log_format, config.log_level);
  const auto& url = config.database_url(prod);
  unsigned threads =
      config.threads != 0 ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  asio::io_context io(static_cast<int>(threads));

  auto catalog = db::Catalog::load({config.db_dir / "sql"});
  auto verifier = aws::make_access_token_verifier(config, prod, config.dev_key_dir);
  db::Pool pool(io.get_executor(), catalog, db::PoolOptions::from_config(config, url));
  db::ReadRouter reads(io.get_executor(), catalog, pool, db::PoolOptions::from_config(config, url),
                       read_options(config));
  cache::SafeCache cache(cache::make_cache(io.get_executor(), cache::cache_settings(config)));
  cache::CacheAside cache_aside(cache);
  cache::InvalidationRetry retry(io.get_executor(), cache, config.cache_ttl);
  // `none://` is the cache off: reads go to PostgreSQL one by one, as without a cache layer.
  service::FeedCache feeds(cache.backend() == "none" ? nullptr : &cache_aside, &retry,
                           config.cache_ttl);
  service::Changes changes(io.get_executor(), feeds, reads, pool, catalog);
  db::Listener listener(io.get_executor(),
                        {config.listen_connection_url.value_or(url), service::kChangesChannel},
                        {[&changes](std::string payload) { changes.heard(std::move(payload)); },
                         [&changes] { changes.listening(); }, [&changes] { changes.lost(); }});
  service::Activities activities(pool, reads, catalog, feeds, changes);
  service::Users users(pool, reads, catalog, changes);
  service::Authenticator authenticator(verifier);

  http::Metrics metrics;
  metrics.add_source("Connection pool state", [&pool] { return pool_gauges(pool.stats()); });
  metrics.add_source("Feed cache (" + std::string(cache.backend()) + ") operations",
                     [&cache] { return cache_counters(cache.stats()); });
  metrics.add_source("Read replicas and read routing",
                     [&reads] { return replica_gauges(reads.stats()); });
  metrics.add_source("The LISTEN connection and the changes heard", [&listener, &changes] {
    return change_gauges(listener.stats(), changes.stats());
  });
  metrics.add_source("Shared-cache deletes retried in the background",
                     [&retry] { return retry_gauges(retry.stats()); });
  http::Router router;
  http::add_operational_routes(router, metrics);
  add_ready_route(router, pool, catalog.id("ops/ready"));
  http::add_api_routes(router, {activities, users, authenticator});
  http::CorsPolicy cors;
  for (const auto& origin : {config.frontend_url, config.backend_url}) {
    if (origin) cors.allowed_origins.push_back(*origin);
  }
  http::Pipeline pipeline(router, std::move(cors), metrics);
  http::Server server(
      io, {config.host, config.port},
      [&pipeline](http::HttpRequest request) { return pipeline.handle(std::move(request)); },
      [&pipeline](const http::HttpRequest& request, http::HttpResponse& refusal) {
        pipeline.complete_refusal(request, refusal);
      });
  metrics.add_source("HTTP server state", [&server] {
    return std::vector<std::pair<std::string, double>>{
        {"cruddur_http_open_connections", static_cast<double>(server.open_connections())}};
  });
  reads.start();
  listener.start();
  await_changes_channel(io, changes);
  server.start();
  spdlog::info("listening on http://{}:{} with {} thread(s); database {}{}; cache {}", config.host,
               server.port(), threads, db::ConnInfo(url).display(), prod ? " (production)" : "",
               cache.backend());

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: no new connections, finishing requests in flight", signal);
    server.stop();
    asio::co_spawn(io, drain(server, cache, pool, {reads, retry, changes, listener}),
                   asio::detached);
  });

  std::vector<std::thread> workers;
  for (unsigned i = 1; i < threads; ++i) workers.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& worker : workers) worker.join();
  spdlog::info("stopped");
  return 0;
}

}  // namespace cruddur::app
