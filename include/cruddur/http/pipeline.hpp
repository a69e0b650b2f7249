#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "cruddur/core/asio.hpp"
#include "cruddur/http/message.hpp"

namespace cruddur::http {

class Metrics;
class Router;

/// Origins allowed to call `/api/*` from a browser (FRONTEND_URL, BACKEND_URL); `*` allows any.
struct CorsPolicy {
  std::vector<std::string> allowed_origins;
};

/// The linear request pipeline: request id → CORS preflight → route → handler → error mapping →
/// CORS headers → metrics → access log. Socket-free; thread-safe; `router` and `metrics` must
/// outlive it.
class Pipeline {
 public:
  Pipeline(const Router& router, CorsPolicy cors, Metrics& metrics);

  /// Never throws: every failure becomes a response.
  asio::awaitable<HttpResponse> handle(HttpRequest request) const;

  /// Gives a refusal by the server's parser (400, 413, 431) what every answer gets: request id,
  /// CORS headers (a browser can then read the 413), metrics and an access log line. `request` is
  /// what was parsed (possibly empty). Never throws.
  void complete_refusal(const HttpRequest& request, HttpResponse& refusal) const;

 private:
  void finish(const HttpRequest& request, const std::string& request_id,
              const std::string& pattern, std::chrono::steady_clock::time_point started,
              HttpResponse& response) const;
  [[nodiscard]] static HttpResponse preflight(const std::string& allow);
  void add_cors_headers(const HttpRequest& request, HttpResponse& response) const;

  const Router& router_;
  CorsPolicy cors_;
  Metrics& metrics_;
};

}  // namespace cruddur::http
