// Verification of Cognito access tokens (RS256 JWTs) and parsing of Authorization headers.
#include "cruddur/aws/access_token_verifier.hpp"

#include <algorithm>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>

#include "cruddur/aws/dev_key_store.hpp"
#include "cruddur/core/base64url.hpp"
#include "cruddur/core/error.hpp"
#include "key_set.hpp"
#include "log_text.hpp"
#include "rsa_key.hpp"
#include "verified_tokens.hpp"

namespace cruddur::aws {
namespace {

using nlohmann::json;
using std::chrono::system_clock;

[[noreturn]] void refuse(AuthFailure failure, const std::string& message) {
  throw AuthError(failure, message);
}

json decode_object(std::string_view segment, const std::string& what) {
  auto raw = core::base64url_decode(segment);
  if (!raw) refuse(AuthFailure::malformed, what + " is not base64url");
  json value = json::parse(*raw, nullptr, false);
  if (value.is_discarded() || !value.is_object()) {
    refuse(AuthFailure::malformed, what + " is not a JSON object");
  }
  return value;
}

/// The string member `name`, nullopt when absent; a member of another type makes the token
/// malformed.
std::optional<std::string> string_member(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end()) return std::nullopt;
  if (!it->is_string()) refuse(AuthFailure::malformed, std::string(name) + " is not a string");
  return it->get<std::string>();
}

/// Latest NumericDate accepted (year 2223): keeps every time computation, including the
/// conversion to system_clock's nanoseconds, far from overflow.
constexpr std::int64_t kMaxNumericDate = 8'000'000'000;

/// A NumericDate member (whole seconds since the epoch, 0 to kMaxNumericDate), nullopt when
/// absent.
std::optional<std::int64_t> time_member(const json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end()) return std::nullopt;
  if (!it->is_number_integer()) {
    refuse(AuthFailure::malformed, std::string(name) + " is not a whole number of seconds");
  }
  bool in_range = it->is_number_unsigned()
                      ? it->get<std::uint64_t>() <= static_cast<std::uint64_t>(kMaxNumericDate)
                      : it->get<std::int64_t>() >= 0 && it->get<std::int64_t>() <= kMaxNumericDate;
  if (!in_range) refuse(AuthFailure::malformed, std::string(name) + " is out of range");
  return it->get<std::int64_t>();
}

struct Segments {
  std::string_view header;
  std::string_view payload;
  std::string_view signature;
  std::string_view signed_part;  ///< header.payload
};

Segments split(std::string_view token) {
  auto first = token.find('.');
  auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    refuse(AuthFailure::malformed, "token does not have three dot-separated segments");
  }
  Segments parts{token.substr(0, first), token.substr(first + 1, second - first - 1),
                 token.substr(second + 1), token.substr(0, second)};
  if (parts.header.empty() || parts.payload.empty() || parts.signature.empty()) {
    refuse(AuthFailure::malformed, "token has an empty segment");
  }
  return parts;
}

/// Checks the JOSE header and returns its `kid`.
std::string checked_kid(const json& header) {
  auto alg = string_member(header, "alg");
  if (!alg) refuse(AuthFailure::malformed, "header has no alg");
  if (*alg != "RS256") {
    refuse(AuthFailure::unsupported_alg, "alg " + quote_untrusted(*alg) + " is not RS256");
  }
  if (header.contains("crit")) refuse(AuthFailure::malformed, "header has unsupported crit");
  auto kid = string_member(header, "kid");
  if (!kid || kid->empty()) refuse(AuthFailure::malformed, "header has no kid");
  return *kid;
}

void check_times(const json& payload, std::int64_t now, std::int64_t leeway,
                 AccessTokenClaims& claims) {
  auto exp = time_member(payload, "exp");
  if (!exp) refuse(AuthFailure::malformed, "token has no exp");
  if (now > *exp && now - *exp > leeway) {
    refuse(AuthFailure::expired, "token expired " + std::to_string(now - *exp) + " s ago");
  }
  for (const char* name : {"nbf", "iat"}) {
    auto at = time_member(payload, name);
    if (at && *at > now && *at - now > leeway) {
      refuse(AuthFailure::not_yet_valid,
             std::string(name) + " is " + std::to_string(*at - now) + " s in the future");
    }
  }
  claims.expires_at = system_clock::time_point(std::chrono::seconds(*exp));
  claims.issued_at =
      system_clock::time_point(std::chrono::seconds(time_member(payload, "iat").value_or(0)));
}

}  // namespace

AccessTokenVerifier::AccessTokenVerifier(std::vector<TrustedIssuer> issuers,
                                         VerifierOptions options)
    : issuers_(std::move(issuers)),
      options_(options),
      verified_(std::make_unique<VerifiedTokens>(options.verified_entries)) {
  if (issuers_.empty()) throw Error("invalid_config", "no trusted token issuer configured");
  std::set<std::string> seen;
  for (const auto& trusted : issuers_) {
    if (trusted.issuer.empty() || trusted.client_id.empty() || !trusted.jwks) {
      throw Error("invalid_config", "a trusted issuer needs an iss, a client id and a JWKS");
    }
    if (!seen.insert(trusted.issuer).second) {
      throw Error("invalid_config", "issuer " + trusted.issuer + " is configured twice");
    }
    if (options_.production && trusted.issuer == kDevIssuer) {
      throw Error("invalid_config", "development tokens are never trusted in production");
    }
  }
}

AccessTokenVerifier::~AccessTokenVerifier() = default;
AccessTokenVerifier::AccessTokenVerifier(AccessTokenVerifier&&) noexcept = default;
AccessTokenVerifier& AccessTokenVerifier::operator=(AccessTokenVerifier&&) noexcept = default;

struct AccessTokenVerifier::Parsed {
  std::string signed_part;  // header.payload
  std::string signature;    // decoded
  std::string kid;
  json payload;
  const TrustedIssuer* trusted = nullptr;
};

struct AccessTokenVerifier::Verified {
  AccessTokenClaims claims;
  VerifiedTokens::Source source;
};

system_clock::time_point AccessTokenVerifier::now() const {
  return options_.clock ? options_.clock() : system_clock::now();
}

asio::awaitable<AccessTokenClaims> AccessTokenVerifier::verify(std::string token) const {
  auto at = now();
  if (auto remembered = verified_->find(token, at)) co_return std::move(*remembered);
  auto parsed = parse(token);
  auto keys = parsed.trusted->jwks->find(parsed.kid);
  if (!keys) keys = co_await parsed.trusted->jwks->keys_with(parsed.kid);
  auto verified = check(std::move(parsed), std::move(keys), at);
  verified_->remember(
      token, verified.claims, std::move(verified.source),
      std::min(verified.claims.expires_at + options_.leeway, at + options_.verified_ttl));
  co_return std::move(verified.claims);
}

AccessTokenClaims AccessTokenVerifier::verify(std::string_view token,
                                              system_clock::time_point now) const {
  auto parsed = parse(token);
  auto keys = parsed.trusted->jwks->find(parsed.kid);
  if (!keys) {
    refuse(AuthFailure::unknown_kid,
           "kid " + quote_untrusted(parsed.kid) + " is not in the cached JWKS of its issuer");
  }
  return check(std::move(parsed), std::move(keys), now).claims;
}

void AccessTokenVerifier::close() const {
  for (const auto& trusted : issuers_) trusted.jwks->close();
}

std::size_t AccessTokenVerifier::remembered_tokens() const {
  return verified_->size();
}

AccessTokenVerifier::Parsed AccessTokenVerifier::parse(std::string_view token) const {
  if (token.size() > options_.max_token_bytes) {
    refuse(AuthFailure::malformed,
           "token is longer than " + std::to_string(options_.max_token_bytes) + " bytes");
  }
  Segments parts = split(token);
  Parsed parsed;
  parsed.kid = checked_kid(decode_object(parts.header, "header"));
  parsed.payload = decode_object(parts.payload, "payload");
  auto issuer = string_member(parsed.payload, "iss").value_or("");
  auto trusted = std::find_if(issuers_.begin(), issuers_.end(),
                              [&](const TrustedIssuer& t) { return t.issuer == issuer; });
  if (trusted == issuers_.end()) {
    refuse(AuthFailure::wrong_issuer, "iss " + quote_untrusted(issuer) + " is not trusted");
  }
  parsed.trusted = &*trusted;
  auto signature = core::base64url_decode(parts.signature);
  if (!signature) refuse(AuthFailure::malformed, "signature is not base64url");
  parsed.signature = std::move(*signature);
  parsed.signed_part = std::string(parts.signed_part);
  return parsed;
}

AccessTokenVerifier::Verified AccessTokenVerifier::check(Parsed parsed,
                                                         std::shared_ptr<const KeySet> keys,
                                                         system_clock::time_point now) const {
  if (!rs256_verify(keys->find(parsed.kid), parsed.signed_part, parsed.signature)) {
    refuse(AuthFailure::bad_signature,
           "signature does not verify with kid " + quote_untrusted(parsed.kid));
  }
  const json& payload = parsed.payload;
  AccessTokenClaims claims;
  claims.issuer = parsed.trusted->issuer;
  auto token_use = string_member(payload, "token_use").value_or("");
  if (token_use != "access") {
    refuse(AuthFailure::wrong_token_use,
           "token_use " + quote_untrusted(token_use) + " is not access");
  }
  claims.client_id = string_member(payload, "client_id").value_or("");
  if (claims.client_id != parsed.trusted->client_id) {
    refuse(AuthFailure::wrong_client,
           "client_id " + quote_untrusted(claims.client_id) + " is not the configured client");
  }
  auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  check_times(payload, now_s, options_.leeway.count(), claims);
  claims.sub = string_member(payload, "sub").value_or("");
  if (claims.sub.empty()) refuse(AuthFailure::malformed, "token has no sub");
  claims.username = string_member(payload, "username").value_or("");
  claims.scope = string_member(payload, "scope").value_or("");
  return {std::move(claims), {parsed.trusted->jwks.get(), std::move(keys)}};
}

std::optional<std::string_view> bearer_token(std::optional<std::string_view> authorization) {
  constexpr std::string_view kSpace = " \t";
  if (!authorization) return std::nullopt;
  std::string_view value = *authorization;
  auto begin = value.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return std::nullopt;
  value = value.substr(begin, value.find_last_not_of(kSpace) - begin + 1);

  std::string_view scheme = value.substr(0, value.find_first_of(kSpace));
  constexpr std::string_view kBearer = "bearer";
  bool is_bearer = std::equal(scheme.begin(), scheme.end(), kBearer.begin(), kBearer.end(),
                              [](char a, char b) { return (a | 0x20) == b; });
  if (!is_bearer) refuse(AuthFailure::bad_header, "Authorization scheme is not Bearer");

  std::string_view token = value.substr(scheme.size());
  auto start = token.find_first_not_of(kSpace);
  token = start == std::string_view::npos ? std::string_view{} : token.substr(start);
  if (token.empty() || token == "null" || token == "undefined") return std::nullopt;
  if (token.find_first_of(kSpace) != std::string_view::npos) {
    refuse(AuthFailure::bad_header, "Authorization header has more than one token");
  }
  return token;
}

}  // namespace cruddur::aws
