#pragma once
// Test support: a small blocking HTTP/1.1 client over loopback (one connection per request), and
// raw socket access for the protocol-level tests.

#include <chrono>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace cruddur::test {

struct HttpReply {
  unsigned status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  /// The value of header `name` (case-insensitive); empty when absent.
  [[nodiscard]] std::string header(const std::string& name) const;
  /// True when the response carries header `name`.
  [[nodiscard]] bool has_header(const std::string& name) const;
  /// The body parsed as JSON; throws nlohmann::json::parse_error when it is not JSON.
  [[nodiscard]] nlohmann::json json() const { return nlohmann::json::parse(body); }
};

/// Talks to one server on 127.0.0.1:`port`. Every call opens a connection and sends
/// `Connection: close`. Reads give up after 60 s (SO_RCVTIMEO), so a hung server fails a test
/// instead of hanging it.
class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port) : port_(port) {}

  HttpReply request(const std::string& method, const std::string& target,
                    const std::vector<std::pair<std::string, std::string>>& headers = {},
                    const std::string& body = {}) const;
  HttpReply get(const std::string& target, const std::string& authorization = {}) const;
  HttpReply post(const std::string& target, const std::string& body,
                 const std::string& authorization = {}) const;

  [[nodiscard]] std::uint16_t port() const noexcept { return port_; }

 private:
  std::uint16_t port_;
};

/// A raw TCP connection to the server, for malformed, oversized and slow requests.
class RawConnection {
 public:
  /// Connects to 127.0.0.1:`port`; throws std::system_error when refused.
  explicit RawConnection(std::uint16_t port);
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  /// Writes all of `bytes`; false when the peer has closed the connection.
  bool send(const std::string& bytes);
  /// Everything the server sends until it closes the connection, or until `timeout` passes
  /// (then `closed` is false).
  struct Received {
    std::string bytes;
    bool closed = false;
  };
  Received read_until_closed(std::chrono::seconds timeout);
  /// The bytes of one read of at most `limit` bytes, waiting up to `timeout`; empty on timeout
  /// or when the server has closed.
  std::string read_some(std::size_t limit, std::chrono::seconds timeout);

 private:
  int fd_ = -1;
};

/// True when a TCP connection to 127.0.0.1:`port` is refused.
bool connection_refused(std::uint16_t port);

/// A loopback port that was free a moment ago.
std::uint16_t free_port();

}  // namespace cruddur::test
