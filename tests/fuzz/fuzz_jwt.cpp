// libFuzzer target: bytes → aws::bearer_token and AccessTokenVerifier::verify on a fixed JWKS.
//
// Every input is tried three ways: as an Authorization header value (bearer_token), as a raw
// token, and — when it holds a newline — as `<header JSON>\n<payload JSON>` signed with the key
// of the trusted JWKS, so the claim checks behind the signature are reached too (`KID` in the
// header stands for that key's kid, which changes from run to run). Refusals
// (AuthError) are the expected outcome; anything else thrown, a crash, a leak or UB is a finding,
// and so is a refusal message that quotes the token's signature.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cruddur/aws/access_token_verifier.hpp"
#include "cruddur/aws/auth_error.hpp"
#include "cruddur/aws/jwks_cache.hpp"
#include "cruddur/aws/signing_key.hpp"

namespace {

using cruddur::aws::AccessTokenVerifier;
using cruddur::aws::AuthError;

constexpr std::string_view kIssuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Fuzz";
constexpr std::string_view kClientId = "fuzzclient";
// 2026-11-24T00:00:00Z: verification happens at a fixed time so findings reproduce.
constexpr std::chrono::seconds kNow{1795478400};

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "fuzz_jwt: invariant broken: %s\n", what);
  std::abort();
}

// The trusted key, its JWKS in a temporary directory (a file:// URL, as development uses) and
// the verifier. Built once: generating an RSA key takes far longer than one verification.
struct Fixture {
  Fixture() : key(cruddur::aws::SigningKey::generate()) {
    const char* base = std::getenv("TMPDIR");
    std::string pattern =
        std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/cruddur-fuzz-jwt-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) finding("mkdtemp failed");
    dir = pattern;
    std::ofstream(dir / "jwks.json", std::ios::binary | std::ios::trunc) << key.jwks_json();
    auto jwks = std::make_shared<cruddur::aws::JwksCache>(
        io.get_executor(), cruddur::aws::JwksOptions{"file://" + (dir / "jwks.json").string()});
    auto loaded = boost::asio::co_spawn(io, jwks->refresh(), boost::asio::use_future);
    io.run();
    if (loaded.get() != 1) finding("the fixture's JWKS did not load");
    verifier = std::make_unique<AccessTokenVerifier>(std::vector<cruddur::aws::TrustedIssuer>{
        {std::string(kIssuer), std::string(kClientId), jwks}});
  }
  ~Fixture() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;

  boost::asio::io_context io;  // the JWKS cache's executor: run once, to load the keys
  cruddur::aws::SigningKey key;
  std::filesystem::path dir;
  std::unique_ptr<AccessTokenVerifier> verifier;
};

Fixture* fixture = nullptr;

// The refusal message for `token`, or nothing when the token is accepted.
std::optional<std::string> refusal(std::string_view token) {
  try {
    auto claims = fixture->verifier->verify(token, std::chrono::system_clock::time_point(kNow));
    if (claims.sub.empty()) finding("accepted a token without sub");
    if (claims.issuer != kIssuer || claims.client_id != kClientId) {
      finding("accepted a token of another issuer or client");
    }
    return std::nullopt;
  } catch (const AuthError& refused) {
    return std::string(refused.what());
  }
}

// `signature` with every letter and digit moved one step on (z→a, Z→A, 9→0): same length, still
// base64url, different bytes.
std::string rotated(std::string_view signature) {
  std::string out(signature);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = c == 'z' ? 'a' : static_cast<char>(c + 1);
    else if (c >= 'A' && c <= 'Z') c = c == 'Z' ? 'A' : static_cast<char>(c + 1);
    else if (c >= '0' && c <= '9') c = c == '9' ? '0' : static_cast<char>(c + 1);
  }
  return out;
}

bool quotes(const std::optional<std::string>& message, std::string_view signature) {
  return message && message->find(signature) != std::string::npos;
}

// A refusal message may contain the signature's text by coincidence (the fuzzer learns the
// messages' own words and uses them as a signature); it quotes the signature only if a token
// whose signature differs gets a message that contains that other signature too.
void verify(std::string_view token) {
  auto message = refusal(token);
  auto last_dot = token.rfind('.');
  if (last_dot == std::string_view::npos) return;
  auto signature = token.substr(last_dot + 1);
  if (signature.size() < 16 || !quotes(message, signature)) return;
  auto other = rotated(signature);
  if (other == signature) return;
  std::string twin(token.substr(0, last_dot + 1));
  twin += other;
  if (quotes(refusal(twin), other)) finding("refusal message quotes the signature");
}

void bearer(std::string_view header) {
  try {
    auto token = cruddur::aws::bearer_token(header);
    if (token && (token->empty() || *token == "null")) finding("anonymous value as a token");
    if (token) verify(*token);
  } catch (const AuthError& refused) {
    if (refused.reason() != cruddur::aws::AuthFailure::bad_header) {
      finding("bearer_token refused with a reason other than bad_header");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);
  static Fixture instance;
  fixture = &instance;
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  bearer(input);
  verify(input);
  auto newline = input.find('\n');
  if (newline != std::string_view::npos) {
    std::string header(input.substr(0, newline));
    if (auto at = header.find("KID"); at != std::string::npos) {
      header.replace(at, 3, fixture->key.kid());
    }
    verify(fixture->key.sign_jwt(header, input.substr(newline + 1)));
  }
  return 0;
}
