// Request accessors (headers, path, query) and response helpers.
#include "cruddur/http/message.hpp"

#include <cctype>

#include "cruddur/core/percent_encoding.hpp"

namespace cruddur::http {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i]))
        != std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string_view HttpRequest::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return {};
}

std::string_view HttpRequest::path() const {
  std::string_view view = target;
  return view.substr(0, view.find('?'));
}

std::optional<std::string> HttpRequest::query(std::string_view name) const {
  std::string_view view = target;
  auto start = view.find('?');
  if (start == std::string_view::npos) return std::nullopt;
  view.remove_prefix(start + 1);
  while (!view.empty()) {
    auto end = view.find('&');
    auto pair = view.substr(0, end);
    auto equals = pair.find('=');
    auto key = core::percent_decode(pair.substr(0, equals), true);
    if (key && *key == name) {
      if (equals == std::string_view::npos) return std::string();
      return core::percent_decode(pair.substr(equals + 1), true);
    }
    if (end == std::string_view::npos) break;
    view.remove_prefix(end + 1);
  }
  return std::nullopt;
}

HttpResponse HttpResponse::json(unsigned status, std::string body) {
  return {status, "application/json", {}, std::move(body), {}};
}

HttpResponse HttpResponse::json(unsigned status, SharedText body) {
  return {status, "application/json", {}, {}, std::move(body)};
}

}  // namespace cruddur::http
