#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace cruddur::net {

/// The parts of an absolute `http://` or `https://` URL the client needs.
struct Url {
  std::string scheme;        ///< `http` or `https` (lower case)
  std::string host;          ///< without brackets for IPv6 literals
  std::uint16_t port = 0;    ///< explicit port or the scheme's default
  std::string target = "/";  ///< path and query, as given (already encoded)

  [[nodiscard]] bool tls() const { return scheme == "https"; }
  /// `host` or `host:port` when the port is not the scheme's default (the Host header).
  [[nodiscard]] std::string host_header() const;
};

/// Parses an absolute URL. Userinfo is refused (credentials go in headers). Throws
/// net::InvalidUrl naming what is wrong (the URL itself is not echoed: it may carry a key).
Url parse_url(std::string_view url);

/// Percent-encodes everything except RFC 3986 unreserved characters, for a query value or a
/// path segment.
std::string percent_encode(std::string_view text);

}  // namespace cruddur::net
