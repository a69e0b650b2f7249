// Bearer tokens → callers, anonymous where the route allows it.
#include "cruddur/service/authenticator.hpp"

#include <spdlog/spdlog.h>

#include "cruddur/aws/access_token_verifier.hpp"
#include "cruddur/aws/auth_error.hpp"
#include "cruddur/aws/dev_key_store.hpp"

namespace cruddur::service {
namespace {

asio::awaitable<std::optional<Caller>> anonymous() {
  co_return std::nullopt;
}

asio::awaitable<Caller> signed_in(asio::awaitable<std::optional<Caller>> caller) {
  auto found = co_await std::move(caller);
  if (!found) throw aws::AuthError(aws::AuthFailure::malformed, "sign-in required");
  co_return std::move(*found);
}

// A token that does not verify counts as anonymous (logged at debug level).
asio::awaitable<std::optional<Caller>> or_anonymous(asio::awaitable<std::optional<Caller>> caller) {
  try {
    co_return co_await std::move(caller);
  } catch (const aws::AuthError& error) {
    spdlog::debug("token refused on an optional route, answering anonymously: {}", error.what());
  }
  co_return std::nullopt;
}

}  // namespace

// Plain functions: the token is copied out of the header before the awaitable is handed back.
asio::awaitable<std::optional<Caller>> Authenticator::caller(
    std::optional<std::string_view> authorization) const {
  auto token = aws::bearer_token(authorization);
  if (!token) return anonymous();
  return verified(std::string(*token));
}

asio::awaitable<Caller> Authenticator::required_caller(
    std::optional<std::string_view> authorization) const {
  return signed_in(caller(authorization));
}

asio::awaitable<std::optional<Caller>> Authenticator::optional_caller(
    std::optional<std::string_view> authorization) const {
  try {
    return or_anonymous(caller(authorization));
  } catch (const aws::AuthError& error) {  // a header of another scheme
    spdlog::debug("header refused on an optional route, answering anonymously: {}", error.what());
    return anonymous();
  }
}

asio::awaitable<std::optional<Caller>> Authenticator::verified(std::string token) const {
  auto claims = co_await verifier_.verify(token);
  Caller caller;
  caller.cognito_user_id = std::move(claims.sub);
  if (claims.issuer != aws::kDevIssuer) caller.cognito_access_token = std::move(token);
  co_return caller;
}

}  // namespace cruddur::service
