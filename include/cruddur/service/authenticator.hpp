#pragma once

#include <optional>
#include <string_view>

#include "cruddur/service/activities.hpp"

namespace cruddur::aws {
class AccessTokenVerifier;
}

namespace cruddur::service {

/// Turns an `Authorization` header into the caller. Thread-safe; `verifier` must outlive it.
class Authenticator {
 public:
  explicit Authenticator(const aws::AccessTokenVerifier& verifier) : verifier_(verifier) {}

  /// The caller, or nullopt for anonymous (no header, `Bearer null`). Throws aws::AuthError
  /// (code `unauthorized`) for a token that does not verify.
  [[nodiscard]] std::optional<Caller> caller(std::optional<std::string_view> authorization) const;
  /// For routes where signing in is optional: a token that does not verify counts as anonymous
  /// (logged at debug level), as the original did.
  [[nodiscard]] std::optional<Caller> optional_caller(
      std::optional<std::string_view> authorization) const;
  /// For protected routes: throws aws::AuthError when anonymous or invalid.
  [[nodiscard]] Caller required_caller(std::optional<std::string_view> authorization) const;

 private:
  const aws::AccessTokenVerifier& verifier_;
};

}  // namespace cruddur::service
