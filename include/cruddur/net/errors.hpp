#pragma once

#include <string>

#include "cruddur/core/error.hpp"

namespace cruddur::net {

/// Root of the HTTP client's errors. Messages name the host and the cause, never a header value
/// (headers may carry tokens).
class NetError : public Error {
 public:
  using Error::Error;
};

/// The URL is not `http://` or `https://` with a host, or has a malformed port. Code `invalid_url`.
class InvalidUrl : public NetError {
 public:
  explicit InvalidUrl(const std::string& message) : NetError("invalid_url", message) {}
};

/// Name resolution or TCP connect failed. Code `connect_failed`.
class ConnectError : public NetError {
 public:
  explicit ConnectError(const std::string& message) : NetError("connect_failed", message) {}
};

/// The TLS handshake failed, e.g. an untrusted certificate or a host-name mismatch.
/// Code `tls_failed`.
class TlsError : public NetError {
 public:
  explicit TlsError(const std::string& message) : NetError("tls_failed", message) {}
};

/// The whole request did not finish within its timeout. Code `timeout`.
class TimeoutError : public NetError {
 public:
  explicit TimeoutError(const std::string& message) : NetError("timeout", message) {}
};

/// The connection broke or the peer sent something that is not a valid HTTP/1.1 response (or a
/// body above the limit). Code `http_protocol_error`.
class ProtocolError : public NetError {
 public:
  explicit ProtocolError(const std::string& message) : NetError("http_protocol_error", message) {}
};

}  // namespace cruddur::net
