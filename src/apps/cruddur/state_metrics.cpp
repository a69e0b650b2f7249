// /metrics names of the pool, the feed cache, the HTTP server and the AWS client: levels as gauges,
// totals as counters.
#include "state_metrics.hpp"

#include <fmt/format.h>

#include <string>
#include <utility>
#include <vector>

#include "cruddur/aws/aws_client.hpp"
#include "cruddur/cache/safe_cache.hpp"
#include "cruddur/db/pool.hpp"
#include "cruddur/http/metrics.hpp"
#include "cruddur/http/server.hpp"

namespace cruddur::app {
namespace {

using Values = std::vector<std::pair<std::string, double>>;

Values pool_levels(const db::PoolStats& stats) {
  return {{"cruddur_db_pool_size", stats.size},
          {"cruddur_db_pool_idle", stats.idle},
          {"cruddur_db_pool_busy", stats.busy},
          {"cruddur_db_pool_connecting", stats.connecting},
          {"cruddur_db_pool_waiting", stats.waiting}};
}

Values pool_totals(const db::PoolStats& stats) {
  Values totals{
      {"cruddur_db_pool_requests_total", static_cast<double>(stats.requests)},
      {"cruddur_db_pool_acquire_timeouts_total", static_cast<double>(stats.acquire_timeouts)},
      {"cruddur_db_pool_reconnects_total", static_cast<double>(stats.reconnects)},
      {"cruddur_db_pool_connect_failures_total", static_cast<double>(stats.connect_failures)}};
  for (std::size_t i = 0; i < db::kDiscardReasons; ++i) {
    totals.emplace_back(fmt::format("cruddur_db_pool_discards_{}_total",
                                    db::to_string(static_cast<db::DiscardReason>(i))),
                        static_cast<double>(stats.discards[i]));
  }
  return totals;
}

Values cache_totals(const cache::CacheStats& stats) {
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

Values aws_totals(const aws::AwsClientStats& stats) {
  return {{"cruddur_aws_calls_total", static_cast<double>(stats.calls)},
          {"cruddur_aws_attempts_total", static_cast<double>(stats.attempts)},
          {"cruddur_aws_retries_throttled_total", static_cast<double>(stats.retries_throttled)},
          {"cruddur_aws_retries_server_total", static_cast<double>(stats.retries_server)},
          {"cruddur_aws_failures_total", static_cast<double>(stats.failures)}};
}

}  // namespace

void add_state_metrics(http::Metrics& metrics, const db::Pool& pool, const cache::SafeCache& cache,
                       const http::Server& server, const aws::AwsClient& aws_client) {
  metrics.add_source("Connection pool state", [&pool] { return pool_levels(pool.stats()); });
  metrics.add_counters("Connection pool events since start",
                       [&pool] { return pool_totals(pool.stats()); });
  metrics.add_counters("Feed cache (" + std::string(cache.backend()) + ") operations",
                       [&cache] { return cache_totals(cache.stats()); });
  metrics.add_source("HTTP server state", [&server] {
    return Values{
        {"cruddur_http_open_connections", static_cast<double>(server.open_connections())}};
  });
  metrics.add_counters("AWS calls (DynamoDB, Cognito)",
                       [&aws_client] { return aws_totals(aws_client.stats()); });
}

}  // namespace cruddur::app
