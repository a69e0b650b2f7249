// /metrics names of read replicas, the LISTEN channel and retried invalidations: levels as gauges,
// totals as counters.
#include "scale_metrics.hpp"

#include <fmt/format.h>

#include <string>
#include <utility>
#include <vector>

#include "cruddur/cache/invalidation_retry.hpp"
#include "cruddur/db/listener.hpp"
#include "cruddur/db/read_router.hpp"
#include "cruddur/http/metrics.hpp"
#include "cruddur/service/changes.hpp"

namespace cruddur::app {
namespace {

using Values = std::vector<std::pair<std::string, double>>;

Values replica_levels(const db::ReplicaStats& stats) {
  return {{"cruddur_db_replica_count", stats.replicas},
          {"cruddur_db_replica_usable", stats.usable},
          // -1: no replica answers.
          {"cruddur_db_replica_lag_ms", stats.max_lag_ms.value_or(-1)},
          {"cruddur_db_replica_blind", stats.blind ? 1 : 0},
          {"cruddur_db_replica_marks", static_cast<double>(stats.marks)}};
}

Values replica_totals(const db::ReplicaStats& stats) {
  Values totals{
      {"cruddur_db_replica_reads_total",
       static_cast<double>(stats.routed[static_cast<std::size_t>(db::RouteReason::replica)])},
      {"cruddur_db_replica_fallbacks_total", static_cast<double>(stats.fallbacks)},
      {"cruddur_db_replica_missing_retried_total", static_cast<double>(stats.missing_retried)},
      {"cruddur_db_replica_sample_failures_total", static_cast<double>(stats.sample_failures)}};
  for (std::size_t i = 0; i < db::kRouteReasons; ++i) {
    auto reason = static_cast<db::RouteReason>(i);
    if (reason == db::RouteReason::replica) continue;
    totals.emplace_back(fmt::format("cruddur_db_replica_primary_reads_{}_total", to_string(reason)),
                        static_cast<double>(stats.routed[i]));
  }
  return totals;
}

Values change_levels(const db::ListenerStats& listener, const service::ChangesStats& changes) {
  return {{"cruddur_listen_connected", listener.listening ? 1 : 0},
          {"cruddur_changes_hearing", changes.hearing ? 1 : 0}};
}

Values change_totals(const db::ListenerStats& listener, const service::ChangesStats& changes) {
  return {{"cruddur_listen_notifications_total", static_cast<double>(listener.notifications)},
          {"cruddur_listen_established_total", static_cast<double>(listener.established)},
          {"cruddur_listen_losses_total", static_cast<double>(listener.losses)},
          {"cruddur_listen_connect_failures_total", static_cast<double>(listener.connect_failures)},
          {"cruddur_changes_heard_total", static_cast<double>(changes.heard)},
          {"cruddur_changes_own_echoes_total", static_cast<double>(changes.own_echoes)},
          {"cruddur_changes_echo_timeouts_total", static_cast<double>(changes.echo_timeouts)},
          {"cruddur_changes_unknown_total", static_cast<double>(changes.unknown)},
          {"cruddur_changes_probe_failures_total", static_cast<double>(changes.probe_failures)}};
}

}  // namespace

void add_scale_metrics(http::Metrics& metrics, const db::ReadRouter& reads,
                       const db::Listener& listener, const service::Changes& changes,
                       const cache::InvalidationRetry& retry) {
  metrics.add_source("Read replicas and read routing",
                     [&reads] { return replica_levels(reads.stats()); });
  metrics.add_counters("Reads routed since start",
                       [&reads] { return replica_totals(reads.stats()); });
  metrics.add_source("The LISTEN connection and the changes channel", [&listener, &changes] {
    return change_levels(listener.stats(), changes.stats());
  });
  metrics.add_counters("Notifications and changes heard since start", [&listener, &changes] {
    return change_totals(listener.stats(), changes.stats());
  });
  metrics.add_source("Shared-cache deletes waiting to be retried", [&retry] {
    return Values{
        {"cruddur_cache_invalidation_retry_pending", static_cast<double>(retry.stats().pending)}};
  });
  metrics.add_counters("Shared-cache deletes retried in the background", [&retry] {
    auto stats = retry.stats();
    return Values{
        {"cruddur_cache_invalidation_retry_deleted_total", static_cast<double>(stats.retried)},
        {"cruddur_cache_invalidation_retry_abandoned_total", static_cast<double>(stats.abandoned)}};
  });
}

}  // namespace cruddur::app
