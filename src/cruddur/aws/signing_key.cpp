// An RS256 JWT signing key: generation, PEM import/export, JWKS export, signing.
#include "cruddur/aws/signing_key.hpp"

#include <openssl/sha.h>

#include <nlohmann/json.hpp>

#include "cruddur/core/base64url.hpp"
#include "rsa_key.hpp"

namespace cruddur::aws {
namespace {

constexpr unsigned kKeyBits = 2048;

/// The RFC 7638 thumbprint: SHA-256 of the canonical `{"e","kty","n"}` JSON, base64url.
std::string thumbprint(const RsaPublicParts& parts) {
  std::string canonical = R"({"e":")" + parts.e + R"(","kty":"RSA","n":")" + parts.n + "\"}";
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(), digest);
  return core::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

}  // namespace

struct SigningKey::Impl {
  EvpPkeyPtr key;
  RsaPublicParts parts;
  std::string kid;

  explicit Impl(EvpPkeyPtr k) : key(std::move(k)), parts(rsa_public_parts(key.get())) {
    kid = thumbprint(parts);
  }
};

SigningKey::SigningKey(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SigningKey::~SigningKey() = default;
SigningKey::SigningKey(SigningKey&&) noexcept = default;
SigningKey& SigningKey::operator=(SigningKey&&) noexcept = default;

SigningKey SigningKey::generate() {
  return SigningKey(std::make_unique<Impl>(rsa_generate(kKeyBits)));
}

SigningKey SigningKey::from_pem(std::string_view pem) {
  return SigningKey(std::make_unique<Impl>(private_key_from_pem(pem)));
}

const std::string& SigningKey::kid() const noexcept {
  return impl_->kid;
}

std::string SigningKey::private_pem() const {
  return private_key_to_pem(impl_->key.get());
}

std::string SigningKey::jwks_json() const {
  nlohmann::json jwk = {{"kty", "RSA"},      {"alg", "RS256"},      {"use", "sig"},
                        {"kid", impl_->kid}, {"n", impl_->parts.n}, {"e", impl_->parts.e}};
  return nlohmann::json{{"keys", nlohmann::json::array({jwk})}}.dump(2) + "\n";
}

std::string SigningKey::sign_jwt(std::string_view header_json,
                                 std::string_view payload_json) const {
  std::string signed_part =
      core::base64url_encode(header_json) + "." + core::base64url_encode(payload_json);
  return signed_part + "." + core::base64url_encode(rs256_sign(impl_->key.get(), signed_part));
}

}  // namespace cruddur::aws
