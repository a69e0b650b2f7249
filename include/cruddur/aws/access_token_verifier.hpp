#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cruddur/aws/auth_error.hpp"
#include "cruddur/aws/jwks_cache.hpp"
#include "cruddur/core/asio.hpp"

namespace cruddur::aws {

/// The claims of a verified access token that the application uses.
struct AccessTokenClaims {
  std::string sub;       ///< the caller: users.cognito_user_id
  std::string username;  ///< Cognito user name (empty when the token has none)
  std::string client_id;
  std::string issuer;
  std::string scope;
  std::chrono::system_clock::time_point issued_at;  ///< epoch when the token has no `iat`
  std::chrono::system_clock::time_point expires_at;
};

/// One issuer whose access tokens are accepted: tokens must carry exactly this `iss` and this
/// `client_id` and be signed by a key of this JWKS.
struct TrustedIssuer {
  std::string issuer;
  std::string client_id;
  std::shared_ptr<JwksCache> jwks;
};

struct VerifierOptions {
  std::chrono::seconds leeway{60};     ///< clock skew allowed on `exp`, `nbf` and `iat`
  std::size_t max_token_bytes = 8192;  ///< longer tokens are refused before any decoding
  /// Production mode: the constructor refuses the development issuer (dev_token.hpp).
  bool production = false;
  /// Tokens that verified are remembered by their exact text, so a caller's next requests skip
  /// the RSA verification; 0 turns this off. An entry is honoured until the token's `exp` (plus
  /// leeway), at most `verified_ttl` after it verified, and only while the issuer's JWKS holds
  /// the same keys (a refetch ends it).
  std::size_t verified_entries = 4096;
  std::chrono::seconds verified_ttl{300};
  /// The time `verify(token)` checks against (tests inject one); default system_clock::now.
  std::function<std::chrono::system_clock::time_point()> clock;
};

class VerifiedTokens;

/// Verifies Cognito access tokens (ARCHITECTURE §7): RS256 only, `kid` in the issuer's JWKS,
/// signature, `exp`/`nbf`/`iat` with leeway, `iss`, `token_use=access`, `client_id`.
///
/// Threading: `verify` may be called from any number of threads at once. With the issuer's keys
/// cached it is pure CPU (one RSA verification, tens of microseconds, or a map lookup for a token
/// that verified recently); an unknown `kid` waits asynchronously for at most one JWKS refetch
/// (see JwksCache) — no thread ever blocks on the network.
class AccessTokenVerifier {
 public:
  /// Throws cruddur::Error("invalid_config") when `issuers` is empty, an issuer lacks a client
  /// id or JWKS, two share an `iss`, or `options.production` and the development issuer is among
  /// them.
  explicit AccessTokenVerifier(std::vector<TrustedIssuer> issuers, VerifierOptions options = {});
  ~AccessTokenVerifier();
  AccessTokenVerifier(AccessTokenVerifier&&) noexcept;
  AccessTokenVerifier& operator=(AccessTokenVerifier&&) noexcept;

  /// The claims of a valid access token, now (VerifierOptions::clock). Throws AuthError (code
  /// `unauthorized`) saying why the token is refused; never includes the token in the message.
  /// A `kid` the issuer's cached JWKS lacks waits for a refetch (JwksCache::keys_with).
  /// Remembers tokens that verify (VerifierOptions::verified_entries). The verifier must outlive
  /// the awaitable.
  [[nodiscard]] asio::awaitable<AccessTokenClaims> verify(std::string token) const;

  /// The same at a given time (tests, replays), always verified in full, with the keys cached
  /// now: never fetches (AuthError unknown_kid for a kid not cached).
  [[nodiscard]] AccessTokenClaims verify(std::string_view token,
                                         std::chrono::system_clock::time_point now) const;

  /// Ends the issuers' periodic JWKS refreshes (JwksCache::close) at shutdown.
  void close() const;

  [[nodiscard]] const std::vector<TrustedIssuer>& issuers() const noexcept { return issuers_; }
  /// Tokens remembered as verified right now.
  [[nodiscard]] std::size_t remembered_tokens() const;

 private:
  struct Parsed;
  struct Verified;
  // Decodes and checks what needs no key; finds the token's issuer.
  [[nodiscard]] Parsed parse(std::string_view token) const;
  // The signature with `keys` (holding the token's kid), then the claims at `now`.
  [[nodiscard]] Verified check(Parsed parsed, std::shared_ptr<const KeySet> keys,
                               std::chrono::system_clock::time_point now) const;
  [[nodiscard]] std::chrono::system_clock::time_point now() const;

  std::vector<TrustedIssuer> issuers_;
  VerifierOptions options_;
  std::unique_ptr<VerifiedTokens> verified_;
};

/// The token of an `Authorization` header value. nullopt means anonymous: no header (nullopt
/// or empty), `Bearer null`, `Bearer undefined` or `Bearer` with nothing after it (what the
/// Cruddur frontend sends when logged out). The scheme is case-insensitive. Throws
/// AuthError(bad_header) for any other scheme (`Basic …`) or a value with spaces in the token.
std::optional<std::string_view> bearer_token(std::optional<std::string_view> authorization);

}  // namespace cruddur::aws
