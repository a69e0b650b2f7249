// The admin routes: the metrics dashboard's JSON and page, behind HTTP Basic auth.
#include "cruddur/http/admin_routes.hpp"

#include "cruddur/core/error.hpp"
#include "cruddur/http/metrics_page.hpp"
#include "cruddur/http/router.hpp"
#include "cruddur/service/metrics_store.hpp"

namespace cruddur::http {
namespace {

using Response = asio::awaitable<HttpResponse>;

void require_admin(const RequestContext& context, const BasicCredentials& credentials) {
  if (!basic_auth_matches(context.request().header("Authorization"), credentials)) {
    throw Error("admin_auth_required", "the admin pages need the admin username and password");
  }
}

// Numbers about the platform: never cached by a browser or a proxy, never framed.
void add_private_headers(HttpResponse& response) {
  response.headers.emplace_back("Cache-Control", "no-store");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
}

}  // namespace

void add_admin_routes(Router& router, AdminServices services) {
  if (!services.credentials) return;
  auto& metrics = services.metrics;
  auto credentials = std::move(*services.credentials);

  router.add("GET", "/api/admin/metrics",
             [&metrics, credentials](RequestContext& context) -> Response {
               require_admin(context, credentials);
               auto response = HttpResponse::json(200, co_await metrics.dashboard());
               add_private_headers(response);
               co_return response;
             });
  router.add("GET", "/admin/metrics", [&metrics, credentials](RequestContext& context) -> Response {
    require_admin(context, credentials);
    auto json = co_await metrics.dashboard();
    HttpResponse response{200, "text/html; charset=utf-8", {}, render_metrics_page(json), {}};
    add_private_headers(response);
    // The page is self-contained: no script, no outside resource, inline style only.
    response.headers.emplace_back("Content-Security-Policy",
                                  "default-src 'none'; style-src 'unsafe-inline'; "
                                  "frame-ancestors 'none'");
    response.headers.emplace_back("Referrer-Policy", "no-referrer");
    co_return response;
  });
}

}  // namespace cruddur::http
