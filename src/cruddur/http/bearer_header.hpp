#pragma once
// Private to the http layer: the `Authorization` header of a route's request, as the
// Authenticator takes it.

#include <optional>
#include <string_view>

#include "cruddur/http/router.hpp"

namespace cruddur::http {

/// The request's `Authorization` value; nullopt when absent or empty.
inline std::optional<std::string_view> authorization(const RequestContext& context) {
  auto value = context.request().header("Authorization");
  if (value.empty()) return std::nullopt;
  return value;
}

}  // namespace cruddur::http
