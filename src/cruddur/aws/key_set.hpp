#pragma once
// Private to the aws layer: one immutable, parsed JWKS (kid → RSA public key).

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "openssl_handles.hpp"

namespace cruddur::aws {

/// The RS256 signing keys of one JWKS document. Immutable after parse, so any number of threads
/// may call `find` and use the keys concurrently.
class KeySet {
 public:
  /// Parses a JWKS document (`{"keys":[…]}`). Keys that are not RSA signature keys for RS256 are
  /// skipped. Throws cruddur::Error("jwks_invalid") on malformed JSON, a malformed RSA key, a
  /// missing `kid` or a duplicate `kid`.
  static KeySet parse(std::string_view jwks_json);

  /// The key with this `kid`, or nullptr. The pointer lives as long as this KeySet.
  [[nodiscard]] EVP_PKEY* find(std::string_view kid) const;
  [[nodiscard]] std::size_t size() const noexcept { return keys_.size(); }

 private:
  std::map<std::string, EvpPkeyPtr, std::less<>> keys_;
};

}  // namespace cruddur::aws
