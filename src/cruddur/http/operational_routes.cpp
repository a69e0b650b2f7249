// Health check, readiness and Prometheus metrics routes.
#include "cruddur/http/operational_routes.hpp"

#include "cruddur/http/metrics.hpp"
#include "cruddur/http/router.hpp"
#include "cruddur/service/readiness.hpp"

namespace cruddur::http {

void add_operational_routes(Router& router, const Metrics& metrics) {
  router.add("GET", "/api/health-check", [](RequestContext&) -> asio::awaitable<HttpResponse> {
    co_return HttpResponse::json(200, R"({"success":true,"ver":1})");
  });
  router.add("GET", "/metrics", [&metrics](RequestContext&) -> asio::awaitable<HttpResponse> {
    co_return HttpResponse{200, "text/plain; version=0.0.4", {}, metrics.render(), {}};
  });
}

void add_ready_route(Router& router, service::Readiness& readiness) {
  router.add("GET", "/api/ready", [&readiness](RequestContext&) -> asio::awaitable<HttpResponse> {
    co_await readiness.check();
    co_return HttpResponse::json(200, R"({"ready":true})");
  });
}

}  // namespace cruddur::http
