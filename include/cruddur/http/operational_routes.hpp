#pragma once

namespace cruddur::service {
class Readiness;
}

namespace cruddur::http {

class Metrics;
class Router;

/// `GET /api/health-check` (answers without touching the database, like the original) and
/// `GET /metrics` (Prometheus text). `metrics` must outlive the router.
void add_operational_routes(Router& router, const Metrics& metrics);

/// `GET /api/ready`: 200 `{"ready":true}` once the database answers, else the error mapping's
/// 503/504. `readiness` must outlive the router.
void add_ready_route(Router& router, service::Readiness& readiness);

}  // namespace cruddur::http
