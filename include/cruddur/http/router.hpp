#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cruddur/core/asio.hpp"
#include "cruddur/http/message.hpp"

namespace cruddur::http {

/// What a handler is given: the request, its route's path parameters and the request id.
class RequestContext {
 public:
  RequestContext(const HttpRequest& request, std::string request_id,
                 std::vector<std::pair<std::string, std::string>> params)
      : request_(request), request_id_(std::move(request_id)), params_(std::move(params)) {}

  [[nodiscard]] const HttpRequest& request() const noexcept { return request_; }
  [[nodiscard]] const std::string& request_id() const noexcept { return request_id_; }
  /// The percent-decoded value of the path parameter `name` of the route's pattern; empty when
  /// the pattern has no such parameter.
  [[nodiscard]] const std::string& param(std::string_view name) const;

 private:
  const HttpRequest& request_;
  std::string request_id_;
  std::vector<std::pair<std::string, std::string>> params_;
};

/// A route handler. Throws cruddur::Error subclasses for failures; the pipeline maps them.
using Handler = std::function<asio::awaitable<HttpResponse>(RequestContext&)>;

/// Method + path pattern → handler. Patterns are `/`-separated segments; a segment containing
/// `:name` captures the rest of that segment after its literal prefix (`@:handle` matches `@bob`).
/// Built once at start-up, then read-only and thread-safe.
class Router {
 public:
  void add(std::string method, std::string pattern, Handler handler);

  struct Match {
    const Handler* handler = nullptr;  ///< null when no route has this method
    std::string pattern;  ///< the matching pattern (for metrics); empty when no path matched
    std::vector<std::pair<std::string, std::string>> params;
    std::string allow;  ///< the methods of the matching pattern, e.g. "GET, POST"
  };
  /// The route for `method` and `path`. A malformed percent-escape in a parameter is no match.
  [[nodiscard]] Match match(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
  };
  std::vector<Route> routes_;
};

}  // namespace cruddur::http
