#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace cruddur::aws {

/// An RSA private key that signs RS256 JWTs, named by its RFC 7638 JWK thumbprint (`kid`).
/// Immutable; `sign_jwt` may be called from several threads at once.
class SigningKey {
 public:
  /// A fresh 2048-bit key. Throws cruddur::Error("crypto_error").
  static SigningKey generate();
  /// The key of a PEM (PKCS#8 or PKCS#1) RSA private key. Throws cruddur::Error("invalid_key").
  static SigningKey from_pem(std::string_view pem);

  ~SigningKey();
  SigningKey(SigningKey&&) noexcept;
  SigningKey& operator=(SigningKey&&) noexcept;

  [[nodiscard]] const std::string& kid() const noexcept;
  /// The private key as PKCS#8 PEM: a secret, never log it.
  [[nodiscard]] std::string private_pem() const;
  /// A JWKS document holding the public half: `{"keys":[{"kty":"RSA","alg":"RS256",…}]}`.
  [[nodiscard]] std::string jwks_json() const;
  /// `base64url(header_json).base64url(payload_json).base64url(RS256 signature)`. The JSON is
  /// used as given (tests use this to forge headers such as `"alg":"none"`).
  [[nodiscard]] std::string sign_jwt(std::string_view header_json,
                                     std::string_view payload_json) const;

 private:
  struct Impl;
  explicit SigningKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace cruddur::aws
