#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

#include "cruddur/aws/signing_key.hpp"

namespace cruddur::aws {

/// The `iss` of development tokens. The `.invalid` TLD can never be a Cognito issuer; an
/// AccessTokenVerifier in production mode refuses to trust it.
inline constexpr std::string_view kDevIssuer = "https://cruddur.invalid/dev";
/// The `client_id` of development tokens.
inline constexpr std::string_view kDevClientId = "cruddur-dev";
/// Where the development key lives, relative to the repository root.
inline constexpr std::string_view kDevKeyDir = ".cruddur/dev-jwt";

/// The local development signing key: `<dir>/private.pem` (mode 0600, directory 0700) and the
/// matching `<dir>/jwks.json` that a development server trusts through a `file://` JWKS URL.
class DevKeyStore {
 public:
  /// Loads the key in `dir`, generating it (and the directory) on first use. Safe against a
  /// concurrent first use by another process: exactly one key wins and both load it. Rewrites
  /// `jwks.json` when it is missing. Throws cruddur::Error("dev_key_error") on I/O failures and
  /// cruddur::Error("invalid_key") on a corrupt key file.
  static DevKeyStore open(const std::filesystem::path& dir);

  [[nodiscard]] const SigningKey& key() const noexcept { return key_; }
  [[nodiscard]] const std::filesystem::path& dir() const noexcept { return dir_; }
  [[nodiscard]] std::filesystem::path jwks_path() const { return dir_ / "jwks.json"; }
  /// `file://<absolute dir>/jwks.json`.
  [[nodiscard]] std::string jwks_url() const;

 private:
  DevKeyStore(std::filesystem::path dir, SigningKey key);
  std::filesystem::path dir_;
  SigningKey key_;
};

/// What a development token says about its holder.
struct DevTokenClaims {
  std::string sub;       ///< must equal users.cognito_user_id of the user to act as
  std::string username;  ///< the handle, by convention
  std::chrono::seconds lifetime{std::chrono::hours(12)};
};

/// A Cognito-shaped RS256 access token (`iss` = kDevIssuer, `client_id` = kDevClientId,
/// `token_use` = access, `kid` = the store key's) for `claims`, issued at `now`.
/// Throws cruddur::Error("invalid_argument") when `sub` is empty.
std::string mint_dev_token(
    const DevKeyStore& store, const DevTokenClaims& claims,
    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

}  // namespace cruddur::aws
