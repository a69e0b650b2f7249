#pragma once
// The names under which the running server's parts are exported on /metrics.

namespace cruddur::aws {
class AwsClient;
}
namespace cruddur::cache {
class SafeCache;
}
namespace cruddur::db {
class Pool;
}
namespace cruddur::http {
class Metrics;
class Server;
}  // namespace cruddur::http

namespace cruddur::app {

/// Exports the pool's state (`cruddur_db_pool_*`), the feed cache's counters (`cruddur_cache_*`),
/// the server's open connections (`cruddur_http_open_connections`) and the AWS client's calls
/// (`cruddur_aws_*`): gauges for levels, counters for totals. Every argument must outlive
/// `metrics`' scrapes.
void add_state_metrics(http::Metrics& metrics, const db::Pool& pool, const cache::SafeCache& cache,
                       const http::Server& server, const aws::AwsClient& aws_client);

}  // namespace cruddur::app
