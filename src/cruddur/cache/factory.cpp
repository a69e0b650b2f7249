// CACHE_URL → backend: URL parsing for every scheme and construction of the chosen backend.
#include "cruddur/cache/factory.hpp"

#include <charconv>
#include <string_view>

#include "cruddur/cache/memory_cache.hpp"
#include "cruddur/core/percent_encoding.hpp"
#include "cruddur/core/redact.hpp"
#include "momento/momento_cache.hpp"
#include "none/none_cache.hpp"
#include "redis/redis_cache.hpp"

namespace cruddur::cache {
namespace {

[[noreturn]] void invalid(const std::string& url, const std::string& problem) {
  throw Error("invalid_config", "CACHE_URL " + core::redact_url(url) + " is invalid: " + problem +
                                    " (expected memory://, redis://host:port/db, "
                                    "momento://<cache> or none://)");
}

template <class Number>
std::optional<Number> parse_number(std::string_view text) {
  Number value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// A percent-encoded part of the URL's userinfo, decoded.
std::string userinfo_part(const std::string& url, std::string_view text) {
  auto decoded = core::percent_decode(text, false);
  if (!decoded) invalid(url, "redis:// userinfo has a malformed %-escape or is not UTF-8 text");
  return std::move(*decoded);
}

std::shared_ptr<Cache> make_memory(const std::string& url, std::string_view rest) {
  MemoryCacheOptions options;
  auto query_start = rest.find('?');
  if (!rest.substr(0, query_start).empty()) invalid(url, "memory:// takes no host or path");
  if (query_start == std::string_view::npos) return std::make_shared<MemoryCache>(options);
  auto query = rest.substr(query_start + 1);
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    auto eq = pair.find('=');
    auto name = pair.substr(0, eq);
    auto value = parse_number<std::size_t>(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!value) invalid(url, "memory:// option " + std::string(name) + " needs a number");
    if (name == "max_bytes") {
      options.max_bytes = *value;
    } else if (name == "max_entries") {
      options.max_entries = *value;
    } else {
      invalid(url, "unknown memory:// option " + std::string(name));
    }
  }
  return std::make_shared<MemoryCache>(options);
}

std::string momento_base_url(const CacheSettings& settings) {
  auto endpoint = *settings.momento_endpoint;
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  if (endpoint.rfind("http://", 0) == 0 || endpoint.rfind("https://", 0) == 0) return endpoint;
  return "https://api.cache." + endpoint;
}

std::shared_ptr<Cache> make_momento(asio::any_io_executor executor, const CacheSettings& settings,
                                    std::string_view cache_name) {
  const auto& url = settings.url;
  if (cache_name.empty() || cache_name.find_first_of("/?#@:") != std::string_view::npos) {
    invalid(url, "momento:// needs a plain cache name");
  }
  if (!settings.momento_api_key || settings.momento_api_key->empty()) {
    throw Error("invalid_config",
                "CACHE_URL momento:// needs MOMENTO_API_KEY (or MOMENTO_AUTH_TOKEN)");
  }
  if (!settings.momento_endpoint || settings.momento_endpoint->empty()) {
    throw Error("invalid_config",
                "CACHE_URL momento:// needs MOMENTO_ENDPOINT (e.g. "
                "cell-4-us-west-2-1.prod.a.momentohq.com)");
  }
  MomentoOptions options;
  options.base_url = momento_base_url(settings);
  options.cache_name = std::string(cache_name);
  options.api_key = *settings.momento_api_key;
  options.operation_timeout = settings.operation_timeout;
  options.extra_ca_file = settings.extra_ca_file;
  return std::make_shared<MomentoCache>(std::move(executor), std::move(options));
}

}  // namespace

CacheSettings cache_settings(const core::Config& config) {
  CacheSettings settings;
  settings.url = config.cache_url;
  settings.momento_api_key = config.momento_api_key;
  settings.momento_endpoint = config.momento_endpoint;
  return settings;
}

RedisEndpoint parse_redis_url(const std::string& url) {
  constexpr std::string_view kScheme = "redis://";
  if (url.rfind(kScheme, 0) != 0) invalid(url, "not a redis:// URL");
  std::string_view rest = std::string_view(url).substr(kScheme.size());
  RedisEndpoint endpoint;
  auto path_start = rest.find('/');
  auto authority = rest.substr(0, path_start);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    auto userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    auto colon = userinfo.find(':');
    if (colon == std::string_view::npos)
      invalid(url, "redis:// userinfo needs user:password or :password");
    if (colon > 0) endpoint.user = userinfo_part(url, userinfo.substr(0, colon));
    endpoint.password = userinfo_part(url, userinfo.substr(colon + 1));
  }
  auto colon = authority.rfind(':');
  endpoint.host = std::string(authority.substr(0, colon));
  if (endpoint.host.empty()) invalid(url, "redis:// needs a host");
  if (colon != std::string_view::npos) {
    auto port = parse_number<unsigned>(authority.substr(colon + 1));
    if (!port || *port == 0 || *port > 65535) invalid(url, "redis:// port must be 1-65535");
    endpoint.port = static_cast<std::uint16_t>(*port);
  }
  if (path_start != std::string_view::npos) {
    auto db_text = rest.substr(path_start + 1);
    if (!db_text.empty()) {
      auto db = parse_number<unsigned>(db_text);
      if (!db || *db > 65535) invalid(url, "redis:// database must be a number");
      endpoint.db = *db;
    }
  }
  return endpoint;
}

std::shared_ptr<Cache> make_cache(asio::any_io_executor executor, const CacheSettings& settings) {
  const auto& url = settings.url;
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) invalid(url, "no scheme");
  auto scheme = url.substr(0, scheme_end);
  std::string_view rest = std::string_view(url).substr(scheme_end + 3);
  if (scheme == "memory") return make_memory(url, rest);
  if (scheme == "none") {
    if (!rest.empty()) invalid(url, "none:// takes nothing after the scheme");
    return std::make_shared<NoneCache>();
  }
  if (scheme == "redis") {
    RedisOptions options;
    options.endpoint = parse_redis_url(url);
    options.operation_timeout = settings.operation_timeout;
    return std::make_shared<RedisCache>(std::move(executor), std::move(options));
  }
  if (scheme == "momento") return make_momento(std::move(executor), settings, rest);
  invalid(url, "unknown scheme " + scheme);
}

}  // namespace cruddur::cache
