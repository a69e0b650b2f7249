// Bearer tokens → callers, anonymous where the route allows it.
#include "cruddur/service/authenticator.hpp"

#include <spdlog/spdlog.h>

#include "cruddur/aws/access_token_verifier.hpp"
#include "cruddur/aws/auth_error.hpp"
#include "cruddur/aws/dev_key_store.hpp"

namespace cruddur::service {

std::optional<Caller> Authenticator::caller(std::optional<std::string_view> authorization) const {
  auto token = aws::bearer_token(authorization);
  if (!token) return std::nullopt;
  auto claims = verifier_.verify(*token);
  Caller caller;
  caller.cognito_user_id = std::move(claims.sub);
  if (claims.issuer != aws::kDevIssuer) caller.cognito_access_token = std::string(*token);
  return caller;
}

std::optional<Caller> Authenticator::optional_caller(
    std::optional<std::string_view> authorization) const {
  try {
    return caller(authorization);
  } catch (const aws::AuthError& error) {
    spdlog::debug("token refused on an optional route, answering anonymously: {}", error.what());
    return std::nullopt;
  }
}

Caller Authenticator::required_caller(std::optional<std::string_view> authorization) const {
  auto found = caller(authorization);
  if (!found) throw aws::AuthError(aws::AuthFailure::malformed, "sign-in required");
  return std::move(*found);
}

}  // namespace cruddur::service
