// `cruddur serve`: builds the App (io_context, catalog, verifier, pool, feed cache, services,
// router, server), runs it, and shuts it down gracefully on SIGINT/SIGTERM.
#include "app.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdlib>
#include <thread>
#include <vector>

#include "cruddur/aws/access_token_config.hpp"
#include "cruddur/aws/access_token_verifier.hpp"
#include "cruddur/aws/aws_client.hpp"
#include "cruddur/aws/cognito_idp.hpp"
#include "cruddur/aws/dynamodb.hpp"
#include "cruddur/cache/cache_aside.hpp"
#include "cruddur/cache/factory.hpp"
#include "cruddur/cache/invalidation_retry.hpp"
#include "cruddur/cache/safe_cache.hpp"
#include "cruddur/core/asio.hpp"
#include "cruddur/core/log.hpp"
#include "cruddur/core/report_escaped.hpp"
#include "cruddur/db/catalog.hpp"
#include "cruddur/db/conninfo.hpp"
#include "cruddur/db/listener.hpp"
#include "cruddur/db/pool.hpp"
#include "cruddur/db/read_router.hpp"
#include "cruddur/http/admin_routes.hpp"
#include "cruddur/http/api_routes.hpp"
#include "cruddur/http/message_routes.hpp"
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
#include "cruddur/service/message_store.hpp"
#include "cruddur/service/messages.hpp"
#include "cruddur/service/metrics_store.hpp"
#include "cruddur/service/readiness.hpp"
#include "cruddur/service/user_provisioner.hpp"
#include "cruddur/service/users.hpp"
#include "scale_metrics.hpp"
#include "state_metrics.hpp"

namespace cruddur::app {
namespace {

constexpr std::chrono::seconds kDrainTimeout{10};
// DynamoDB and Cognito calls of one request: each attempt and the whole call (retries included)
// stay within these, so a message route answers 503 within about 2.5 s when AWS does not answer.
constexpr std::chrono::milliseconds kAwsAttemptTimeout{1000};
constexpr std::chrono::milliseconds kAwsBudget{2500};

// ADMIN_USERNAME / ADMIN_PASSWORD as Basic credentials; says at start-up when the admin pages are
// off (a warning in production, where someone may expect the dashboard).
std::optional<http::BasicCredentials> admin_credentials(const core::Config& config, bool prod) {
  if (config.admin_username && config.admin_password) {
    return http::BasicCredentials{*config.admin_username, *config.admin_password};
  }
  auto level = prod ? spdlog::level::warn : spdlog::level::info;
  spdlog::log(level,
              "admin pages off: /admin/metrics and /api/admin/metrics answer 404 because "
              "ADMIN_USERNAME and ADMIN_PASSWORD are not set");
  return std::nullopt;
}

// How long start-up waits for the changes channel before it serves anyway (its trouble is logged).
constexpr std::chrono::seconds kHearingAtStart{5};

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

http::ServerOptions server_options(const core::Config& config) {
  http::ServerOptions options;
  options.host = config.host;
  options.port = config.port;
  options.idle_timeout = config.http_idle_timeout;
  return options;
}

db::ReadRouterOptions read_options(const core::Config& config) {
  db::ReadRouterOptions options;
  if (config.read_connection_url)
    options.replica_urls = db::split_urls(*config.read_connection_url);
  options.max_lag = config.read_max_lag;
  return options;
}

// After SIGTERM (/api/ready already 503): serves on for `grace` so that the balancer stops sending
// here, then stops accepting and lets requests in flight finish (bounded), every answer ending its
// connection; then closes the cache's connections and the pool so the io_context runs out of work.
asio::awaitable<void> drain(http::Server& server, cache::Cache& cache, db::Pool& pool,
                            aws::AwsClient& aws_client, ScaleOut scale_out,
                            std::chrono::seconds grace) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  if (grace.count() > 0) {
    timer.expires_after(grace);
    co_await timer.async_wait(asio::use_awaitable);
    spdlog::info("drain grace of {} s over: no new connections", grace.count());
  }
  server.drain();
  auto deadline = std::chrono::steady_clock::now() + kDrainTimeout;
  while (server.open_connections() > 0 && std::chrono::steady_clock::now() < deadline) {
    timer.expires_after(std::chrono::milliseconds(20));
    co_await timer.async_wait(asio::use_awaitable);
  }
  server.stop();
  scale_out.close();
  cache.close();
  aws_client.close();
  pool.close();
  spdlog::info("drained; {} connection(s) still open", server.open_connections());
}

// A second signal while draining: requests in flight are abandoned (a write the database
// committed stays committed; its client gets no answer).
void exit_now(const boost::system::error_code& ec, int signal) {
  if (ec) return;
  spdlog::warn("signal {} again: exiting now, requests in flight are abandoned", signal);
  spdlog::default_logger()->flush();
  std::_Exit(128 + signal);
}

}  // namespace

int serve(const core::Config& config, bool prod) {
  core::init_logging(config.log_format, config.log_level);
  const auto& url = config.database_url(prod);
  unsigned threads =
      config.threads != 0 ? config.threads : std::max(1u, std::thread::hardware_concurrency());
  asio::io_context io(static_cast<int>(threads));

  auto catalog = db::Catalog::load({config.db_dir / "sql"});
  auto verifier =
      aws::make_access_token_verifier(config, prod, config.dev_key_dir, io.get_executor());
  db::Pool pool(io.get_executor(), catalog, db::PoolOptions::from_config(config, url));
  db::ReadRouter reads(io.get_executor(), catalog, pool, db::PoolOptions::from_config(config, url),
                       read_options(config));
  cache::SafeCache cache(cache::make_cache(io.get_executor(), cache::cache_settings(config)));
  cache::CacheAside cache_aside(cache);
  cache::InvalidationRetry retry(io.get_executor(), cache, config.cache_ttl);
  service::FeedCache feeds(cache_aside, &retry, config.cache_ttl);
  service::Changes changes(io.get_executor(), feeds, reads, pool, catalog);
  db::Listener listener(io.get_executor(),
                        {config.listen_connection_url.value_or(url), service::kChangesChannel},
                        {[&changes](std::string payload) { changes.heard(std::move(payload)); },
                         [&changes] { changes.listening(); }, [&changes] { changes.lost(); }});
  auto aws_options = aws::AwsClientOptions::from_config(config, core::process_env());
  aws_options.attempt_timeout = kAwsAttemptTimeout;
  aws_options.budget = kAwsBudget;
  aws::AwsClient aws_client(io.get_executor(), aws_options, core::process_env());
  aws::DynamoDb dynamo(aws_client);
  aws::CognitoIdentityProvider cognito(aws_client);
  service::UserProvisioner provisioner(pool, catalog, cognito);
  service::MessageStore message_store(dynamo, config.ddb_message_table);
  service::Messages messages(pool, catalog, message_store, &provisioner);
  service::Activities activities(pool, reads, catalog, feeds, changes, &provisioner);
  service::Users users(pool, reads, catalog, changes, &provisioner);
  service::Authenticator authenticator(verifier);
  service::MetricsStore metrics_store(pool, catalog);

  service::Readiness readiness(pool, catalog);

  http::Metrics metrics;
  http::Router router;
  http::add_operational_routes(router, metrics);
  http::add_ready_route(router, readiness);
  http::add_api_routes(router, {activities, users, authenticator});
  http::add_admin_routes(router, {metrics_store, admin_credentials(config, prod)});
  http::add_message_routes(router, messages, authenticator);
  http::CorsPolicy cors;
  for (const auto& origin : {config.frontend_url, config.backend_url}) {
    if (origin) cors.allowed_origins.push_back(*origin);
  }
  http::Pipeline pipeline(router, std::move(cors), metrics);
  http::Server server(
      io, server_options(config),
      [&pipeline](http::HttpRequest request) { return pipeline.handle(std::move(request)); },
      [&pipeline](const http::HttpRequest& request, http::HttpResponse& refusal) {
        pipeline.complete_refusal(request, refusal);
      });
  add_state_metrics(metrics, pool, cache, server, aws_client);
  add_scale_metrics(metrics, reads, listener, changes, retry);
  reads.start();
  listener.start();
  await_changes_channel(io, changes);
  server.start();
  spdlog::info("listening on http://{}:{} with {} thread(s); database {}{}; cache {}", config.host,
               server.port(), threads, db::ConnInfo(url).display(), prod ? " (production)" : "",
               cache.backend());
  spdlog::info("direct messages: DynamoDB table {} at {}", config.ddb_message_table,
               aws_client.endpoint(aws::dynamodb_service()));

  // The first SIGINT/SIGTERM drains; a second one while draining exits at once.
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    readiness.drain();
    spdlog::info(
        "signal {}: draining: /api/ready answers 503, serving {} s more, then no new connections "
        "and requests in flight finished (again: exit now)",
        signal, config.drain_grace.count());
    signals.async_wait(exit_now);
    asio::co_spawn(io,
                   drain(server, cache, pool, aws_client, {reads, retry, changes, listener},
                         config.drain_grace),
                   [&signals, &verifier](const std::exception_ptr& escaped) {
                     core::ReportEscaped{"shutdown drain"}(escaped);
                     verifier.close();  // ends the JWKS refresh timers
                     signals.cancel();  // so that the io_context can run out of work
                   });
  });

  std::vector<std::thread> workers;
  for (unsigned i = 1; i < threads; ++i) workers.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& worker : workers) worker.join();
  spdlog::info("stopped");
  return 0;
}

}  // namespace cruddur::app
