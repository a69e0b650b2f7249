// The bounded cache of recently verified access tokens.
#include "verified_tokens.hpp"

#include <mutex>

namespace cruddur::aws {

std::optional<AccessTokenClaims> VerifiedTokens::find(std::string_view token,
                                                      time_point now) const {
  std::shared_lock lock(mutex_);
  auto it = entries_.find(token);
  if (it == entries_.end() || now >= it->second.until) return std::nullopt;
  const Source& source = it->second.source;
  if (source.jwks->current() != source.keys) return std::nullopt;
  return it->second.claims;
}

void VerifiedTokens::remember(std::string_view token, const AccessTokenClaims& claims,
                              Source source, time_point until) {
  if (capacity_ == 0) return;
  std::unique_lock lock(mutex_);
  if (entries_.size() >= capacity_) {
    auto now = std::chrono::system_clock::now();
    std::erase_if(entries_, [now](const auto& entry) { return now >= entry.second.until; });
    if (entries_.size() >= capacity_) entries_.clear();
  }
  entries_.insert_or_assign(std::string(token), Entry{claims, std::move(source), until});
}

std::size_t VerifiedTokens::size() const {
  std::shared_lock lock(mutex_);
  return entries_.size();
}

}  // namespace cruddur::aws
