// Momento HTTP API backend: item GET/PUT/DELETE with the raw API key and TTL in seconds.
#include "momento_cache.hpp"

#include "cruddur/net/errors.hpp"
#include "cruddur/net/url.hpp"

namespace cruddur::cache {
namespace {

net::HttpClientOptions client_options(const MomentoOptions& options) {
  net::HttpClientOptions out;
  out.extra_ca_file = options.extra_ca_file;
  return out;
}

[[noreturn]] void throw_for_status(unsigned status, const char* method) {
  auto what = std::string("momento ") + method + " answered HTTP " + std::to_string(status);
  if (status == 401 || status == 403) throw CacheError("cache_unauthorized", what);
  if (status == 429) throw CacheError("cache_throttled", what);
  if (status >= 500) throw CacheError("cache_unavailable", what);
  throw CacheError("cache_rejected", what);
}

}  // namespace

MomentoCache::MomentoCache(asio::any_io_executor executor, MomentoOptions options)
    : options_(std::move(options)), client_(std::move(executor), client_options(options_)) {}

std::string MomentoCache::item_url(const std::string& key) const {
  return options_.base_url + "/cache/" + net::percent_encode(options_.cache_name)
         + "?key=" + net::percent_encode(key);
}

asio::awaitable<net::HttpResult> MomentoCache::call(std::string method, std::string url,
                                                    std::string body) {
  net::Headers headers;  // not a braced list: g++ 12 miscompiles those in coroutines
  headers.emplace_back("Authorization", options_.api_key);
  try {
    co_return co_await client_.request(std::move(method), std::move(url), std::move(headers),
                                       std::move(body), options_.operation_timeout);
  } catch (const net::TimeoutError& error) {
    throw CacheError("cache_timeout", std::string("momento: ") + error.what());
  } catch (const net::NetError& error) {
    throw CacheError("cache_unavailable", std::string("momento: ") + error.what());
  }
}

asio::awaitable<std::optional<std::string>> MomentoCache::get(std::string key) {
  auto result = co_await call("GET", item_url(key), {});
  if (result.status == 200) co_return std::move(result.body);
  if (result.status == 404) co_return std::nullopt;
  throw_for_status(result.status, "GET");
}

asio::awaitable<void> MomentoCache::set(std::string key, std::string value,
                                        std::chrono::seconds ttl) {
  auto seconds = ttl.count() < 1 ? 1 : ttl.count();
  auto result = co_await call("PUT", item_url(key) + "&ttl_seconds=" + std::to_string(seconds),
                              std::move(value));
  if (result.status != 204 && result.status != 200) throw_for_status(result.status, "PUT");
}

asio::awaitable<void> MomentoCache::del(std::vector<std::string> keys) {
  for (const auto& key : keys) {
    auto result = co_await call("DELETE", item_url(key), {});
    if (result.status != 204 && result.status != 200 && result.status != 404) {
      throw_for_status(result.status, "DELETE");
    }
  }
}

}  // namespace cruddur::cache
