#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cruddur/core/asio.hpp"

namespace cruddur::net {

/// Header fields in order; names are compared case-insensitively.
using Headers = std::vector<std::pair<std::string, std::string>>;

/// A complete response. Any status is a result, not an error: callers decide what 4xx/5xx mean.
struct HttpResult {
  unsigned status = 0;
  Headers headers;
  std::string body;

  /// The first header with that name (case-insensitive), if any.
  [[nodiscard]] std::optional<std::string> header(std::string_view name) const;
};

/// Client settings; the defaults suit calls to APIs over the internet.
struct HttpClientOptions {
  std::size_t max_idle_per_host = 8;         ///< kept-alive connections parked per scheme/host/port
  std::chrono::seconds idle_timeout{30};     ///< a parked connection older than this is dropped
  std::size_t body_limit = 8 * 1024 * 1024;  ///< larger response bodies are a ProtocolError
  /// PEM file of extra trusted CA certificates (besides the system store), e.g. a test's
  /// self-signed certificate.
  std::optional<std::string> extra_ca_file;
};

/// Async HTTP/1.1 client over TCP or TLS (peer certificate verified against the system store and
/// the host name, SNI sent). Keeps idle keep-alive connections per host and reuses them; a request
/// on a reused connection that the server had closed is retried once on a fresh one (when the
/// write failed, or when the response never started and the method is idempotent).
/// Thread-safe: any number of requests may run at once from any thread of the executor's context.
/// The client must outlive its requests.
class HttpClient {
 public:
  /// Throws net::TlsError when `extra_ca_file` cannot be loaded.
  explicit HttpClient(asio::any_io_executor executor, HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  /// Sends `method url` with `headers` (Host, Content-Length and User-Agent are added) and
  /// `body`, and reads the whole response, all within `timeout`. Throws net::InvalidUrl,
  /// ConnectError, TlsError, TimeoutError or ProtocolError (all net::NetError).
  asio::awaitable<HttpResult> request(std::string method, std::string url, Headers headers,
                                      std::string body, std::chrono::milliseconds timeout);

  /// Closes every parked connection.
  void close_idle();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace cruddur::net
