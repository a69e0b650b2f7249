#pragma once
// Private to the aws layer: one document (a JWKS) by URL, without blocking a thread on the
// network.

#include <chrono>
#include <cstddef>
#include <string>

#include "cruddur/core/asio.hpp"

namespace cruddur::net {
class HttpClient;
}

namespace cruddur::aws {

/// The body of `url`: `http://` and `https://` through `client` (asynchronous, all within
/// `timeout`, no redirects followed, a 2xx status required), `file://` read with the standard
/// library (a local file: no network). Throws cruddur::Error("fetch_failed") on a transport error,
/// another status, a body larger than `max_bytes` or another scheme; the message names the URL
/// (passwords redacted). `client` may be null for a `file://` URL; it must outlive the call.
asio::awaitable<std::string> fetch_document(net::HttpClient* client, std::string url,
                                            std::chrono::milliseconds timeout,
                                            std::size_t max_bytes);

}  // namespace cruddur::aws
