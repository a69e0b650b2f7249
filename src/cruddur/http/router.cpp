// Socket-free request routing: health check now; the API routes join as they land.
#include "cruddur/http/router.hpp"

#include <string_view>

namespace cruddur::http {
namespace {

struct Route {
  std::string_view method;
  std::string_view path;
  HttpResponse (*handle)(const HttpRequest&);
};

HttpResponse health_check(const HttpRequest&) { return {200, "application/json", {}, R"({"success":true,"ver":1})"}; }

constexpr Route kRoutes[] = {
    {"GET", "/api/health-check", health_check},
};

HttpResponse error(unsigned status, std::string_view code, std::string_view message) {
  return {status, "application/json", {},
          std::string(R"({"code":")") + std::string(code) + R"(","message":")" +
              std::string(message) + "\"}"};
}

}  // namespace

HttpResponse Router::handle(const HttpRequest& request) const {
  std::string_view path = request.target;
  path = path.substr(0, path.find('?'));
  std::string allowed;
  for (const auto& route : kRoutes) {
    if (route.path != path) continue;
    if (route.method == request.method || (request.method == "HEAD" && route.method == "GET")) {
      return route.handle(request);
    }
    allowed += allowed.empty() ? "" : ", ";
    allowed += route.method;
  }
  if (allowed.empty()) return error(404, "not_found", "no such route");
  auto response = error(405, "method_not_allowed", "method not allowed on this route");
  response.headers.emplace_back("Allow", allowed);
  return response;
}

}  // namespace cruddur::http
