#pragma once
// Private to the aws layer: access tokens that verified recently, by their exact text.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "cruddur/aws/access_token_verifier.hpp"
#include "cruddur/aws/jwks_cache.hpp"

namespace cruddur::aws {

/// A bounded map token → claims, each entry valid until a given time and only while the issuer's
/// JWKS still holds the key set the token verified against (any refresh of the JWKS ends it, so a
/// withdrawn key is never honoured from here). A hit saves the RSA verification that dominates a
/// signed-in request's CPU. Only a byte-identical token hits, so a forged variant of a remembered
/// token is verified in full. Thread-safe (readers share a lock).
/// When full, expired entries are dropped; if none expired, every entry is (a cheap, rare reset
/// rather than LRU bookkeeping on each hit).
class VerifiedTokens {
 public:
  using time_point = std::chrono::system_clock::time_point;

  explicit VerifiedTokens(std::size_t capacity) : capacity_(capacity) {}

  /// What a token verified with: the issuer's JWKS and the key set it held then.
  struct Source {
    const JwksCache* jwks = nullptr;
    std::shared_ptr<const KeySet> keys;
  };

  /// The claims of `token` if it was remembered, `now` is before its end of validity and its
  /// JWKS still holds the same key set.
  [[nodiscard]] std::optional<AccessTokenClaims> find(std::string_view token,
                                                      time_point now) const;
  /// Remembers `token` until `until` (no-op with capacity 0).
  void remember(std::string_view token, const AccessTokenClaims& claims, Source source,
                time_point until);
  [[nodiscard]] std::size_t size() const;

 private:
  struct Entry {
    AccessTokenClaims claims;
    Source source;
    time_point until;
  };
  // Lookups by string_view without building a std::string.
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept {
      return std::hash<std::string_view>{}(text);
    }
  };

  std::size_t capacity_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> entries_;
};

}  // namespace cruddur::aws
