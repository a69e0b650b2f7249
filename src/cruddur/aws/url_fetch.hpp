#pragma once
// Private to the aws layer: one blocking GET of an http://, https:// or file:// URL via libcurl.

#include <chrono>
#include <cstddef>
#include <string>

namespace cruddur::aws {

/// The body of `url`. Blocks for at most `timeout` (connect included). Follows no redirects.
/// Throws cruddur::Error("fetch_failed") on a transport error, a non-2xx status, a body larger
/// than `max_bytes` or another scheme; the message names the URL (passwords redacted).
/// Thread-safe: each call uses its own handle.
std::string fetch_url(const std::string& url, std::chrono::milliseconds timeout,
                      std::size_t max_bytes);

}  // namespace cruddur::aws
