// The request pipeline: ids, CORS, routing, error mapping, metrics and the access log.
#include "cruddur/http/pipeline.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "cruddur/http/error_mapping.hpp"
#include "cruddur/http/metrics.hpp"
#include "cruddur/http/router.hpp"

namespace cruddur::http {
namespace {

constexpr const char* kAllowedHeaders =
    "Authorization, Content-Type, If-Modified-Since, X-Request-Id";
constexpr const char* kExposedHeaders = "Authorization, Link, Location, X-Request-Id";

// The caller's X-Request-Id when it is short and plain, else 16 random hex digits.
std::string request_id_for(const HttpRequest& request) {
  auto given = request.header("X-Request-Id");
  bool plain =
      !given.empty() && given.size() <= 64 && std::all_of(given.begin(), given.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
      });
  if (plain) return std::string(given);
  thread_local std::mt19937_64 generator{std::random_device{}()};
  // By hand rather than fmt::format: this runs on every request, and a cached hit is cheap.
  constexpr std::string_view kHex = "0123456789abcdef";
  auto value = generator();
  std::string id(16, '0');
  for (auto digit = id.rbegin(); digit != id.rend(); ++digit, value >>= 4) {
    *digit = kHex[value & 0xF];
  }
  return id;
}

// The method as a metrics label: the standard ones, else "other" (Beast accepts any token as a
// method, and one series per invented method would grow /metrics without bound).
std::string_view method_label(std::string_view method) {
  for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    if (method == known) return known;
  }
  return "other";
}

bool is_api(std::string_view path) {
  return path.substr(0, 5) == "/api/" || path == "/api";
}

}  // namespace

Pipeline::Pipeline(const Router& router, CorsPolicy cors, Metrics& metrics)
    : router_(router), cors_(std::move(cors)), metrics_(metrics) {}

asio::awaitable<HttpResponse> Pipeline::handle(HttpRequest request) const {
  auto started = std::chrono::steady_clock::now();
  std::string request_id;
  Router::Match match;
  HttpResponse response;
  // Everything from the request to its answer is inside the try, routing included: whatever
  // throws becomes an answer of the one error mapping.
  try {
    request_id = request_id_for(request);
    match = router_.match(request.method, request.path());
    if (request.method == "OPTIONS" && is_api(request.path()) && !match.pattern.empty()) {
      response = preflight(match.allow);
    } else if (match.handler != nullptr) {
      RequestContext context(request, request_id, std::move(match.params));
      response = co_await (*match.handler)(context);
    } else if (match.pattern.empty()) {
      response = HttpResponse::json(404, R"({"code":"not_found","message":"no such route"})");
    } else {
      response = HttpResponse::json(
          405, R"({"code":"method_not_allowed","message":"method not allowed on this route"})");
      response.headers.emplace_back("Allow", match.allow);
    }
  } catch (const std::exception& error) {
    response = error_response(error);
    if (response.status >= 500) {
      spdlog::error("request {} {} {} failed: {}", request_id, request.method, request.path(),
                    error.what());
    }
  }
  finish(request, request_id, match.pattern, started, response);
  co_return response;
}

void Pipeline::complete_refusal(const HttpRequest& request, HttpResponse& refusal) const {
  finish(request, request_id_for(request), "", std::chrono::steady_clock::now(), refusal);
}

void Pipeline::finish(const HttpRequest& request, const std::string& request_id,
                      const std::string& pattern, std::chrono::steady_clock::time_point started,
                      HttpResponse& response) const {
  auto path = request.path();
  if (is_api(path)) add_cors_headers(request, response);
  response.headers.emplace_back("X-Request-Id", request_id);
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
  metrics_.observe(pattern, method_label(request.method), response.status, elapsed);
  spdlog::info("access id={} method={} path={} route={} status={} bytes={} ms={:.2f}", request_id,
               request.method.empty() ? "-" : request.method, path.empty() ? "-" : path,
               pattern.empty() ? "-" : pattern, response.status, response.body_text().size(),
               elapsed.count() * 1000);
}

HttpResponse Pipeline::preflight(const std::string& allow) {
  HttpResponse response{204, "text/plain", {}, "", {}};
  if (!allow.empty()) {
    response.headers.emplace_back("Access-Control-Allow-Methods", allow + ", OPTIONS");
  }
  response.headers.emplace_back("Access-Control-Allow-Headers", kAllowedHeaders);
  response.headers.emplace_back("Access-Control-Max-Age", "600");
  return response;
}

void Pipeline::add_cors_headers(const HttpRequest& request, HttpResponse& response) const {
  auto origin = request.header("Origin");
  response.headers.emplace_back("Vary", "Origin");
  if (origin.empty()) return;
  // `*` (as the original's task definition set FRONTEND_URL and BACKEND_URL) allows any origin;
  // the origin is echoed, as Flask-CORS did, so the answer is the same as for a listed one.
  const auto& allowed_origins = cors_.allowed_origins;
  bool allowed = std::any_of(allowed_origins.begin(), allowed_origins.end(),
                             [&origin](const std::string& allowed_origin) {
                               return allowed_origin == "*" || allowed_origin == origin;
                             });
  if (!allowed) return;
  response.headers.emplace_back("Access-Control-Allow-Origin", std::string(origin));
  response.headers.emplace_back("Access-Control-Expose-Headers", kExposedHeaders);
}

}  // namespace cruddur::http
