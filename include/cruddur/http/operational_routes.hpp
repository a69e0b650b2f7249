#pragma once

namespace cruddur::http {

class Metrics;
class Router;

/// `GET /api/health-check` (answers without touching the database, like the original) and
/// `GET /metrics` (Prometheus text). `metrics` must outlive the router.
void add_operational_routes(Router& router, const Metrics& metrics);

}  // namespace cruddur::http
