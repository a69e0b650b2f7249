#pragma once

#include <optional>

#include "cruddur/http/basic_auth.hpp"

namespace cruddur::service {
class MetricsStore;
}

namespace cruddur::http {

class Router;

/// What the admin routes need; `metrics` must outlive the router.
struct AdminServices {
  service::MetricsStore& metrics;
  /// ADMIN_USERNAME / ADMIN_PASSWORD; nullopt: the admin routes are off.
  std::optional<BasicCredentials> credentials;
};

/// `GET /api/admin/metrics` (the dashboard's JSON) and `GET /admin/metrics` (the page), both
/// behind HTTP Basic auth: a request without the right credentials gets 401 with
/// `WWW-Authenticate: Basic` (cruddur::Error "admin_auth_required"). Without credentials nothing
/// is added, so both paths answer 404 like any unknown route.
void add_admin_routes(Router& router, AdminServices services);

}  // namespace cruddur::http
