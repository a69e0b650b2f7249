#pragma once
// Private to the aws layer: the RSA operations JWTs need, on OpenSSL 3 EVP.

#include <string>
#include <string_view>

#include "openssl_handles.hpp"

namespace cruddur::aws {

/// The public key of a JWK's base64url `n` and `e`. Throws cruddur::Error("jwks_invalid") when
/// they do not decode or make no RSA key, or the modulus is shorter than 2048 bits.
EvpPkeyPtr rsa_public_key_from_jwk(std::string_view n, std::string_view e);

/// The base64url `n` and `e` of an RSA key (public or private).
struct RsaPublicParts {
  std::string n;
  std::string e;
};
RsaPublicParts rsa_public_parts(EVP_PKEY* key);

/// True when `signature` is a valid RSASSA-PKCS1-v1_5 SHA-256 signature of `data`. Never throws
/// for a wrong signature. Safe to call from several threads with the same (unmodified) key.
bool rs256_verify(EVP_PKEY* key, std::string_view data, std::string_view signature);

/// The RS256 signature of `data`. Throws cruddur::Error("crypto_error").
std::string rs256_sign(EVP_PKEY* key, std::string_view data);

/// A new RSA key pair. Throws cruddur::Error("crypto_error").
EvpPkeyPtr rsa_generate(unsigned bits);

/// PKCS#8 PEM of a private key, and back. Throw cruddur::Error("crypto_error") /
/// ("invalid_key") respectively.
std::string private_key_to_pem(EVP_PKEY* key);
EvpPkeyPtr private_key_from_pem(std::string_view pem);

/// Drains this thread's OpenSSL error queue into one line ("" when it was empty), so a later
/// call never reports a stale error.
std::string take_openssl_errors();

}  // namespace cruddur::aws
