#pragma once

#include <optional>
#include <string_view>

#include "cruddur/core/asio.hpp"
#include "cruddur/service/activities.hpp"

namespace cruddur::aws {
class AccessTokenVerifier;
}

namespace cruddur::service {

/// Turns an `Authorization` header into the caller. Thread-safe; `verifier` must outlive it and
/// the awaitables it hands out. The header is read before the call returns (it need not outlive
/// the awaitable); a malformed header throws aws::AuthError from the call itself.
class Authenticator {
 public:
  explicit Authenticator(const aws::AccessTokenVerifier& verifier) : verifier_(verifier) {}

  /// The caller, or nullopt for anonymous (no header, `Bearer null`). The awaitable throws
  /// aws::AuthError (code `unauthorized`) for a token that does not verify.
  [[nodiscard]] asio::awaitable<std::optional<Caller>> caller(
      std::optional<std::string_view> authorization) const;
  /// For routes where signing in is optional: a header or token that does not verify counts as
  /// anonymous (logged at debug level), as the original did.
  [[nodiscard]] asio::awaitable<std::optional<Caller>> optional_caller(
      std::optional<std::string_view> authorization) const;
  /// For protected routes: throws aws::AuthError when anonymous or invalid.
  [[nodiscard]] asio::awaitable<Caller> required_caller(
      std::optional<std::string_view> authorization) const;

 private:
  asio::awaitable<std::optional<Caller>> verified(std::string token) const;

  const aws::AccessTokenVerifier& verifier_;
};

}  // namespace cruddur::service
