#pragma once
// The `momento://<cache>` backend: Momento's HTTP API through the net layer's HTTPS client.

#include <chrono>
#include <optional>
#include <string>

#include "cruddur/cache/cache.hpp"
#include "cruddur/net/http_client.hpp"

namespace cruddur::cache {

struct MomentoOptions {
  std::string base_url;  ///< e.g. https://api.cache.cell-4-us-west-2-1.prod.a.momentohq.com
  std::string cache_name;
  std::string api_key;  ///< sent raw in Authorization; never logged
  std::chrono::milliseconds operation_timeout{1000};
  std::optional<std::string> extra_ca_file;
};

/// `GET|PUT|DELETE <base>/cache/<cache>?key=<key>[&ttl_seconds=N]`: 200 hit, 404 miss, 204 stored
/// or deleted. 401/403 → cache_unauthorized, 429 → cache_throttled, 5xx or an unreachable endpoint
/// → cache_unavailable, a request slower than operation_timeout → cache_timeout, other statuses →
/// cache_rejected. Keep-alive connections are reused.
class MomentoCache final : public Cache {
 public:
  MomentoCache(asio::any_io_executor executor, MomentoOptions options);

  asio::awaitable<std::optional<std::string>> get(std::string key) override;
  asio::awaitable<void> set(std::string key, std::string value, std::chrono::seconds ttl) override;
  asio::awaitable<void> del(std::vector<std::string> keys) override;
  [[nodiscard]] std::string_view backend() const override { return "momento"; }
  /// Closes the parked keep-alive connections.
  void close() override { client_.close_idle(); }

 private:
  asio::awaitable<net::HttpResult> call(std::string method, std::string url, std::string body);
  [[nodiscard]] std::string item_url(const std::string& key) const;

  MomentoOptions options_;
  net::HttpClient client_;
};

}  // namespace cruddur::cache
