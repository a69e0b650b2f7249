// Health check and Prometheus metrics routes.
#include "cruddur/http/operational_routes.hpp"

#include "cruddur/http/metrics.hpp"
#include "cruddur/http/router.hpp"

namespace cruddur::http {

void add_operational_routes(Router& router, const Metrics& metrics) {
  router.add("GET", "/api/health-check", [](RequestContext&) -> asio::awaitable<HttpResponse> {
    co_return HttpResponse::json(200, R"({"success":true,"ver":1})");
  });
  router.add("GET", "/metrics", [&metrics](RequestContext&) -> asio::awaitable<HttpResponse> {
    co_return HttpResponse{200, "text/plain; version=0.0.4", {}, metrics.render(), {}};
  });
}

}  // namespace cruddur::http
