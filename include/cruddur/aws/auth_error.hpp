#pragma once

#include <string>
#include <string_view>

#include "cruddur/core/error.hpp"

namespace cruddur::aws {

/// Why a bearer token was refused. The HTTP layer answers 401 `{}` for all of them; the reason
/// is for logs and tests.
enum class AuthFailure {
  malformed,        ///< not a JWT: segments, base64url, JSON, size, missing or mistyped claims
  unsupported_alg,  ///< `alg` is not RS256 (none, HS256, ES256 …)
  unknown_kid,      ///< `kid` not in the issuer's JWKS, even after a permitted refetch
  bad_signature,    ///< RS256 signature does not verify with the JWKS key
  expired,          ///< `exp` older than now minus the leeway
  not_yet_valid,    ///< `nbf` or `iat` later than now plus the leeway
  wrong_issuer,     ///< `iss` is not a trusted issuer
  wrong_token_use,  ///< `token_use` is not `access` (an id token, a refresh token …)
  wrong_client,     ///< `client_id` is not the issuer's app client
  bad_header,       ///< an `Authorization` header that is neither `Bearer <token>` nor empty
};

/// The stable name of a failure (`"bad_signature"` …).
std::string_view to_string(AuthFailure failure);

/// A refused token. `code()` is always `unauthorized`; `reason()` says why and `what()` gives the
/// details. Messages never contain the token or any part of its signature.
class AuthError : public cruddur::Error {
 public:
  AuthError(AuthFailure reason, const std::string& message)
      : Error("unauthorized", message), reason_(reason) {}

  [[nodiscard]] AuthFailure reason() const noexcept { return reason_; }

 private:
  AuthFailure reason_;
};

}  // namespace cruddur::aws
