#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cruddur::http {

/// A parsed request, independent of any socket.
struct HttpRequest {
  std::string method;  ///< upper case, e.g. "GET"
  std::string target;  ///< path and query, e.g. "/api/activities/home?limit=20"
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// A response to write. `body` is sent as is; JSON responses set `content_type`.
struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// Maps requests to responses without touching a socket, so it is tested directly.
/// Every answer is JSON: the API routes, 404 for an unknown path, 405 with `Allow` for a known
/// path with another method. Thread-safe (no mutable state).
class Router {
 public:
  [[nodiscard]] HttpResponse handle(const HttpRequest& request) const;
};

}  // namespace cruddur::http
