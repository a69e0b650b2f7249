#pragma once
// Private to the http layer: the Beast includes and short names, after the project's Asio header.

// clang-format off: the project's Asio header must come first (it fixes Boost 1.74's includes).
#include "cruddur/core/asio.hpp"

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
// clang-format on

namespace cruddur::http {
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using Request = bhttp::request<bhttp::string_body>;
}  // namespace cruddur::http
