#pragma once
// The /metrics names of the scale-out parts: read replicas, the LISTEN channel, retried
// invalidations (docs/scaling.md lists them).

#include <string>
#include <utility>
#include <vector>

#include "cruddur/cache/invalidation_retry.hpp"
#include "cruddur/db/listener.hpp"
#include "cruddur/db/read_router.hpp"
#include "cruddur/service/changes.hpp"

namespace cruddur::app {

using Gauges = std::vector<std::pair<std::string, double>>;

/// `cruddur_db_replica_*`: replicas, usable, lag, blind, reads by route, fallbacks, samples.
Gauges replica_gauges(const db::ReplicaStats& stats);
/// `cruddur_listen_*` and `cruddur_changes_*`: the LISTEN connection and the changes heard.
Gauges change_gauges(const db::ListenerStats& listener, const service::ChangesStats& changes);
/// `cruddur_cache_invalidation_retry_*`: failed shared deletes retried in the background.
Gauges retry_gauges(const cache::RetryStats& stats);

}  // namespace cruddur::app
