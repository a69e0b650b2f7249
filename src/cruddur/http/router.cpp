// Route table: segment patterns with `:name` parameters, 405 detection.
#include "cruddur/http/router.hpp"

#include "cruddur/core/percent_encoding.hpp"

namespace cruddur::http {
namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    auto slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

// Matches one segment; appends the captured parameter, if the pattern segment has one.
bool match_segment(std::string_view pattern, std::string_view actual,
                   std::vector<std::pair<std::string, std::string>>& params) {
  auto colon = pattern.find(':');
  if (colon == std::string_view::npos) return pattern == actual;
  auto prefix = pattern.substr(0, colon);
  if (actual.substr(0, prefix.size()) != prefix || actual.size() == prefix.size()) return false;
  auto value = core::percent_decode(actual.substr(prefix.size()), false);
  if (!value) return false;
  params.emplace_back(std::string(pattern.substr(colon + 1)), std::move(*value));
  return true;
}

}  // namespace

const std::string& RequestContext::param(std::string_view name) const {
  static const std::string kEmpty;
  for (const auto& [key, value] : params_) {
    if (key == name) return value;
  }
  return kEmpty;
}

void Router::add(std::string method, std::string pattern, Handler handler) {
  std::vector<std::string> segments;
  for (auto segment : split_path(pattern)) segments.emplace_back(segment);
  routes_.push_back(
      {std::move(method), std::move(pattern), std::move(segments), std::move(handler)});
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  auto actual = split_path(path);
  Match result;
  for (const auto& route : routes_) {
    if (route.segments.size() != actual.size()) continue;
    std::vector<std::pair<std::string, std::string>> params;
    bool matched = true;
    for (std::size_t i = 0; i < actual.size() && matched; ++i) {
      matched = match_segment(route.segments[i], actual[i], params);
    }
    if (!matched) continue;
    if (!result.pattern.empty() && result.pattern != route.pattern) continue;
    result.pattern = route.pattern;
    result.allow += result.allow.empty() ? route.method : ", " + route.method;
    bool head_as_get = method == "HEAD" && route.method == "GET";
    if (result.handler == nullptr && (route.method == method || head_as_get)) {
      result.handler = &route.handler;
      result.params = std::move(params);
    }
  }
  return result;
}

}  // namespace cruddur::http
