#pragma once
// Private to the http layer: the Beast includes and short names, after the project's Asio header.

// clang-format off: the project's Asio header must come first (it fixes Boost 1.74's includes).
#include "cruddur/core/asio.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
// clang-format on

#include "cruddur/http/message.hpp"

namespace cruddur::http {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using Request = bhttp::request<bhttp::string_body>;

/// The head of a parsed request as the handlers see it (method, target, fields); the caller moves
/// the body in, or leaves it empty for a refused request whose body was never read. (Server's
/// session; tests/fuzz/fuzz_request converts with it too.)
HttpRequest head_of(const Request& request);
}  // namespace cruddur::http
