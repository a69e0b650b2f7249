#pragma once
// The /metrics names of the scale-out parts: read replicas, the LISTEN channel, retried
// invalidations (docs/scaling.md lists them).

namespace cruddur::cache {
class InvalidationRetry;
}
namespace cruddur::db {
class Listener;
class ReadRouter;
}  // namespace cruddur::db
namespace cruddur::http {
class Metrics;
}
namespace cruddur::service {
class Changes;
}

namespace cruddur::app {

/// Exports the read routing (`cruddur_db_replica_*`), the LISTEN connection and the changes heard
/// (`cruddur_listen_*`, `cruddur_changes_*`) and the background shared-cache deletes
/// (`cruddur_cache_invalidation_retry_*`): gauges for levels, counters for totals. Every argument
/// must outlive `metrics`' scrapes.
void add_scale_metrics(http::Metrics& metrics, const db::ReadRouter& reads,
                       const db::Listener& listener, const service::Changes& changes,
                       const cache::InvalidationRetry& retry);

}  // namespace cruddur::app
