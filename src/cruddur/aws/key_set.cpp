// Parsing a JWKS document into RS256 public keys.
#include "key_set.hpp"

#include <nlohmann/json.hpp>

#include "cruddur/core/error.hpp"
#include "rsa_key.hpp"

namespace cruddur::aws {
namespace {

/// The string member `name` of `object`, or "" when it is absent; throws when it is not a string.
std::string string_member(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end()) return {};
  if (!it->is_string())
    throw Error("jwks_invalid", std::string("JWK '") + name + "' is not a string");
  return it->get<std::string>();
}

bool is_rs256_signing_key(const nlohmann::json& jwk) {
  std::string use = string_member(jwk, "use");
  std::string alg = string_member(jwk, "alg");
  return string_member(jwk, "kty") == "RSA" && (use.empty() || use == "sig")
         && (alg.empty() || alg == "RS256");
}

}  // namespace

KeySet KeySet::parse(std::string_view jwks_json) {
  nlohmann::json document = nlohmann::json::parse(jwks_json, nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    throw Error("jwks_invalid", "JWKS is not a JSON object");
  }
  auto keys = document.find("keys");
  if (keys == document.end() || !keys->is_array()) {
    throw Error("jwks_invalid", "JWKS has no 'keys' array");
  }
  KeySet set;
  for (const auto& jwk : *keys) {
    if (!jwk.is_object()) throw Error("jwks_invalid", "a JWKS entry is not an object");
    if (!is_rs256_signing_key(jwk)) continue;
    std::string kid = string_member(jwk, "kid");
    if (kid.empty()) throw Error("jwks_invalid", "an RSA JWK has no 'kid'");
    auto key = rsa_public_key_from_jwk(string_member(jwk, "n"), string_member(jwk, "e"));
    if (!set.keys_.emplace(kid, std::move(key)).second) {
      throw Error("jwks_invalid", "JWKS lists kid '" + kid + "' twice");
    }
  }
  return set;
}

EVP_PKEY* KeySet::find(std::string_view kid) const {
  auto it = keys_.find(kid);
  return it == keys_.end() ? nullptr : it->second.get();
}

}  // namespace cruddur::aws
