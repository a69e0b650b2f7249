#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cruddur::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

/// A parsed request, independent of any socket.
struct HttpRequest {
  std::string method;  ///< upper case, e.g. "GET"
  std::string target;  ///< path and query, e.g. "/api/activities/home?limit=20"
  Headers headers;
  std::string body;

  /// The value of header `name` (case-insensitive); empty when absent.
  [[nodiscard]] std::string_view header(std::string_view name) const;
  /// The target before `?`, still percent-encoded.
  [[nodiscard]] std::string_view path() const;
  /// The percent-decoded value of query parameter `name`; nullopt when absent.
  [[nodiscard]] std::optional<std::string> query(std::string_view name) const;
};

/// Text owned elsewhere and shared, e.g. a value of the feed cache: `text` stays valid while
/// `owner` lives.
struct SharedText {
  std::shared_ptr<const void> owner;
  std::string_view text;
};

/// A response to write. The body is sent as is: `shared_body` when it has an owner (a body shared
/// with a cache, written from there without a copy), else `body`.
struct HttpResponse {
  unsigned status = 200;
  std::string content_type = "application/json";
  Headers headers;
  std::string body;
  SharedText shared_body;

  /// The body that is sent.
  [[nodiscard]] std::string_view body_text() const {
    return shared_body.owner ? shared_body.text : std::string_view(body);
  }

  /// A JSON response whose body is already JSON text (e.g. built by Postgres).
  static HttpResponse json(unsigned status, std::string body);
  /// The same with a shared body.
  static HttpResponse json(unsigned status, SharedText body);
};

}  // namespace cruddur::http
