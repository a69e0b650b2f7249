// AccessTokenVerifier with self-minted tokens: the happy path and every rejection of §7.
#include "cruddur/aws/access_token_verifier.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <atomic>
#include <future>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "cruddur/aws/dev_key_store.hpp"
#include "cruddur/aws/signing_key.hpp"
#include "cruddur/core/base64url.hpp"
#include "run_awaitable.hpp"
#include "temp_dir.hpp"

namespace {

using cruddur::aws::AccessTokenVerifier;
using cruddur::aws::AuthError;
using cruddur::aws::AuthFailure;
using cruddur::aws::JwksCache;
using cruddur::aws::SigningKey;
using cruddur::aws::TrustedIssuer;
using cruddur::core::base64url_encode;
using nlohmann::json;

constexpr const char* kIssuer = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Test";
constexpr const char* kClient = "4a1b2c3d4e5f6g7h8i9j0k1l2m";

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class AccessTokenVerifierTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    key_ = new SigningKey(SigningKey::generate());
    other_key_ = new SigningKey(SigningKey::generate());
  }
  static void TearDownTestSuite() {
    delete key_;
    delete other_key_;
  }

  AccessTokenVerifierTest() {
    dir_.write("jwks.json", key_->jwks_json());
    jwks_ = std::make_shared<JwksCache>(
        io_.get_executor(),
        cruddur::aws::JwksOptions{"file://" + (dir_.path() / "jwks.json").string()});
    cruddur::test::run_awaitable(io_, jwks_->refresh());
    verifier_.emplace(std::vector<TrustedIssuer>{{kIssuer, kClient, jwks_}});
  }

  /// The claims of `text` from the asynchronous verify, run on this thread.
  cruddur::aws::AccessTokenClaims verify(const std::string& text) {
    return cruddur::test::run_awaitable(io_, verifier_->verify(text));
  }

  /// A Cognito-shaped access token, with `header_patch` / `payload_patch` merged in (RFC 7386:
  /// null removes a member; a null patch, as `{}` makes, changes nothing), signed by `signer`.
  static std::string token(const json& payload_patch = json::object(),
                           const json& header_patch = json::object(),
                           const SigningKey* signer = nullptr) {
    const SigningKey& key = signer != nullptr ? *signer : *key_;
    json header = {{"alg", "RS256"}, {"kid", key_->kid()}, {"typ", "JWT"}};
    if (!header_patch.is_null()) header.merge_patch(header_patch);
    auto now = now_seconds();
    json payload = {{"sub", "f4cdcd7b-4d37-426c-954d-f32901190fdc"},
                    {"iss", kIssuer},
                    {"client_id", kClient},
                    {"token_use", "access"},
                    {"scope", "aws.cognito.signin.user.admin"},
                    {"auth_time", now},
                    {"iat", now},
                    {"exp", now + 3600},
                    {"jti", "0c931595-843e-487f-8d19-7ef7b17707ac"},
                    {"username", "andrewbrown"}};
    if (!payload_patch.is_null()) payload.merge_patch(payload_patch);
    return key.sign_jwt(header.dump(), payload.dump());
  }

  /// The reason `token` is refused; fails the test when it is accepted, or when the message
  /// quotes the token's signature.
  AuthFailure refusal(const std::string& bad_token) {
    try {
      (void)verify(bad_token);
    } catch (const AuthError& error) {
      EXPECT_EQ(error.code(), "unauthorized");
      auto signature = bad_token.substr(bad_token.rfind('.') + 1);
      if (signature.size() > 8) {
        EXPECT_EQ(std::string(error.what()).find(signature), std::string::npos) << error.what();
      }

      return error.reason();
    }
    ADD_FAILURE() << "token accepted";
    return AuthFailure::malformed;
  }

  static SigningKey* key_;
  static SigningKey* other_key_;
  cruddur::test::TempDir dir_;
  boost::asio::io_context io_;
  std::shared_ptr<JwksCache> jwks_;
  std::optional<AccessTokenVerifier> verifier_;
};

SigningKey* AccessTokenVerifierTest::key_ = nullptr;
SigningKey* AccessTokenVerifierTest::other_key_ = nullptr;

std::string replace_segment(const std::string& jwt, int index, const std::string& segment) {
  auto first = jwt.find('.');
  auto second = jwt.find('.', first + 1);
  if (index == 0) return segment + jwt.substr(first);
  if (index == 1) return jwt.substr(0, first + 1) + segment + jwt.substr(second);
  return jwt.substr(0, second + 1) + segment;
}

TEST_F(AccessTokenVerifierTest, AcceptsValidAccessToken) {
  auto claims = verify(token());
  EXPECT_EQ(claims.sub, "f4cdcd7b-4d37-426c-954d-f32901190fdc");
  EXPECT_EQ(claims.username, "andrewbrown");
  EXPECT_EQ(claims.client_id, kClient);
  EXPECT_EQ(claims.issuer, kIssuer);
  EXPECT_EQ(claims.scope, "aws.cognito.signin.user.admin");
  EXPECT_GT(claims.expires_at, std::chrono::system_clock::now());
}

TEST_F(AccessTokenVerifierTest, RemembersVerifiedTokensByTheirExactText) {
  auto valid = token();
  EXPECT_EQ(verifier_->remembered_tokens(), 0u);
  auto first = verify(valid);
  EXPECT_EQ(verifier_->remembered_tokens(), 1u);
  auto again = verify(valid);
  EXPECT_EQ(again.sub, first.sub);
  EXPECT_EQ(again.expires_at, first.expires_at);
  // A remembered token does not vouch for a variant of it.
  auto forged = replace_segment(valid, 2, base64url_encode(std::string(256, 'x')));
  EXPECT_EQ(refusal(forged), AuthFailure::bad_signature);
  EXPECT_EQ(verifier_->remembered_tokens(), 1u);
}

TEST_F(AccessTokenVerifierTest, RememberedTokenExpiresWithItsExp) {
  auto now = std::chrono::system_clock::now();
  cruddur::aws::VerifierOptions options;
  options.leeway = std::chrono::seconds(0);
  options.clock = [&now] { return now; };
  verifier_.emplace(std::vector<TrustedIssuer>{{kIssuer, kClient, jwks_}}, options);
  auto short_lived = token({{"exp", now_seconds() + 1}});
  EXPECT_NO_THROW((void)verify(short_lived));
  EXPECT_NO_THROW((void)verify(short_lived)) << "remembered, still valid";
  now += std::chrono::milliseconds(2100);
  EXPECT_EQ(refusal(short_lived), AuthFailure::expired);
}

TEST_F(AccessTokenVerifierTest, RememberingIsBoundedAndCanBeOff) {
  cruddur::aws::VerifierOptions options;
  options.verified_entries = 2;
  verifier_.emplace(std::vector<TrustedIssuer>{{kIssuer, kClient, jwks_}}, options);
  std::vector<std::string> tokens;
  for (int i = 0; i < 5; ++i) tokens.push_back(token({{"jti", "jti-" + std::to_string(i)}}));
  for (int round = 0; round < 2; ++round) {
    for (const auto& each : tokens) EXPECT_NO_THROW((void)verify(each));
    EXPECT_LE(verifier_->remembered_tokens(), 2u);
  }
  options.verified_entries = 0;
  verifier_.emplace(std::vector<TrustedIssuer>{{kIssuer, kClient, jwks_}}, options);
  EXPECT_NO_THROW((void)verify(tokens.front()));
  EXPECT_EQ(verifier_->remembered_tokens(), 0u);
}

TEST_F(AccessTokenVerifierTest, RejectsAlgNone) {
  EXPECT_EQ(refusal(token({}, {{"alg", "none"}})), AuthFailure::unsupported_alg);
  auto unsigned_token = token({}, {{"alg", "none"}});
  unsigned_token.erase(unsigned_token.rfind('.') + 1);
  EXPECT_EQ(refusal(unsigned_token), AuthFailure::malformed);
}

TEST_F(AccessTokenVerifierTest, RejectsHs256SignedWithThePublicKey) {
  // The classic key-confusion forgery: HMAC keyed with the public JWK the attacker can read.
  std::string header = base64url_encode(json{{"alg", "HS256"}, {"kid", key_->kid()}}.dump());
  std::string payload = base64url_encode(json{
      {"sub", "x"},
      {"iss", kIssuer},
      {"client_id", kClient},
      {"token_use", "access"},
      {"exp", now_seconds() + 600}}.dump());
  std::string signed_part = header + "." + payload;
  std::string secret = key_->jwks_json();
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size(), mac,
       &mac_length);
  std::string forged =
      signed_part + "." + base64url_encode({reinterpret_cast<const char*>(mac), mac_length});
  EXPECT_EQ(refusal(forged), AuthFailure::unsupported_alg);
  EXPECT_EQ(refusal(token({}, {{"alg", "RS512"}})), AuthFailure::unsupported_alg);
  EXPECT_EQ(refusal(token({}, {{"alg", nullptr}})), AuthFailure::malformed);
}

TEST_F(AccessTokenVerifierTest, RejectsUnknownKid) {
  EXPECT_EQ(refusal(token({}, {{"kid", other_key_->kid()}}, other_key_)), AuthFailure::unknown_kid);
  EXPECT_EQ(refusal(token({}, {{"kid", nullptr}})), AuthFailure::malformed);
}

TEST_F(AccessTokenVerifierTest, RejectsForeignKeyClaimingOurKid) {
  EXPECT_EQ(refusal(token({}, {}, other_key_)), AuthFailure::bad_signature);
}

TEST_F(AccessTokenVerifierTest, RejectsTamperedPayload) {
  auto good = token();
  auto forged_payload = base64url_encode(json{
      {"sub", "someone-else"},
      {"iss", kIssuer},
      {"client_id", kClient},
      {"token_use", "access"},
      {"exp", now_seconds() + 600}}.dump());
  EXPECT_EQ(refusal(replace_segment(good, 1, forged_payload)), AuthFailure::bad_signature);
  auto signature = good.substr(good.rfind('.') + 1);
  signature[10] = signature[10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(refusal(replace_segment(good, 2, signature)), AuthFailure::bad_signature);
}

TEST_F(AccessTokenVerifierTest, ExpiryHonoursTheLeeway) {
  EXPECT_NO_THROW((void)verify(token({{"exp", now_seconds() - 20}})));
  EXPECT_EQ(refusal(token({{"exp", now_seconds() - 600}})), AuthFailure::expired);
  EXPECT_EQ(refusal(token({{"exp", nullptr}})), AuthFailure::malformed);
  EXPECT_EQ(refusal(token({{"exp", "tomorrow"}})), AuthFailure::malformed);
  EXPECT_EQ(refusal(token({{"exp", 1.5e18}})), AuthFailure::malformed);
  EXPECT_EQ(refusal(token({{"exp", INT64_MIN}})), AuthFailure::malformed);
  EXPECT_EQ(refusal(token({{"exp", UINT64_MAX}})), AuthFailure::malformed);
  EXPECT_EQ(refusal(token({{"exp", 9'000'000'000}})), AuthFailure::malformed);
  EXPECT_EQ(refusal(token({{"iat", -1}})), AuthFailure::malformed);
}

TEST_F(AccessTokenVerifierTest, ExpiryIsCheckedAgainstTheGivenTime) {
  auto issued = token();
  auto later = std::chrono::system_clock::now() + std::chrono::hours(2);
  try {
    (void)verifier_->verify(issued, later);
    ADD_FAILURE() << "accepted two hours later";
  } catch (const AuthError& error) {
    EXPECT_EQ(error.reason(), AuthFailure::expired);
  }
}

TEST_F(AccessTokenVerifierTest, RejectsTokensFromTheFuture) {
  EXPECT_EQ(refusal(token({{"iat", now_seconds() + 600}})), AuthFailure::not_yet_valid);
  EXPECT_EQ(refusal(token({{"nbf", now_seconds() + 600}})), AuthFailure::not_yet_valid);
  EXPECT_NO_THROW((void)verify(token({{"nbf", now_seconds() + 20}})));
}

TEST_F(AccessTokenVerifierTest, RejectsWrongIssuer) {
  EXPECT_EQ(refusal(token({{"iss", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Evil"}})),
            AuthFailure::wrong_issuer);
  EXPECT_EQ(refusal(token({{"iss", nullptr}})), AuthFailure::wrong_issuer);
  EXPECT_EQ(refusal(token({{"iss", 42}})), AuthFailure::malformed);
}

TEST_F(AccessTokenVerifierTest, RejectsIdTokens) {
  EXPECT_EQ(refusal(token({{"token_use", "id"}, {"client_id", nullptr}, {"aud", kClient}})),
            AuthFailure::wrong_token_use);
  EXPECT_EQ(refusal(token({{"token_use", nullptr}})), AuthFailure::wrong_token_use);
}

TEST_F(AccessTokenVerifierTest, RejectsWrongClient) {
  EXPECT_EQ(refusal(token({{"client_id", "another-app-client"}})), AuthFailure::wrong_client);
  EXPECT_EQ(refusal(token({{"client_id", nullptr}})), AuthFailure::wrong_client);
}

TEST_F(AccessTokenVerifierTest, RejectsTokenWithoutSubject) {
  EXPECT_EQ(refusal(token({{"sub", nullptr}})), AuthFailure::malformed);
  EXPECT_EQ(refusal(token({{"sub", ""}})), AuthFailure::malformed);
}

TEST_F(AccessTokenVerifierTest, RejectsMalformedTokensWithoutCrashing) {
  auto good = token();
  EXPECT_EQ(refusal(""), AuthFailure::malformed);
  EXPECT_EQ(refusal("...."), AuthFailure::malformed);
  EXPECT_EQ(refusal(good.substr(0, good.rfind('.'))), AuthFailure::malformed);
  EXPECT_EQ(refusal(good + ".extra"), AuthFailure::malformed);
  EXPECT_EQ(refusal(replace_segment(good, 0, "e30+")), AuthFailure::malformed);
  EXPECT_EQ(refusal(replace_segment(good, 0, base64url_encode("{not json"))),
            AuthFailure::malformed);
  EXPECT_EQ(refusal(replace_segment(good, 0, base64url_encode("[1,2]"))), AuthFailure::malformed);
  EXPECT_EQ(refusal(replace_segment(good, 1, base64url_encode("\"a string\""))),
            AuthFailure::malformed);
  EXPECT_EQ(refusal(replace_segment(good, 2, "not*base64")), AuthFailure::malformed);
  EXPECT_EQ(refusal(token({}, {{"crit", {"exp"}}})), AuthFailure::malformed);
}

TEST_F(AccessTokenVerifierTest, RejectsDeeplyNestedJson) {
  auto good = token();
  EXPECT_EQ(refusal(replace_segment(good, 1, base64url_encode(std::string(5000, '[')))),
            AuthFailure::malformed);
  EXPECT_EQ(refusal(replace_segment(
                good, 0, base64url_encode(std::string(2500, '[') + std::string(2500, ']')))),
            AuthFailure::malformed);
}

TEST_F(AccessTokenVerifierTest, RejectsHugeTokensBeforeDecoding) {
  EXPECT_EQ(refusal(token({{"padding", std::string(9000, 'x')}})), AuthFailure::malformed);
  EXPECT_EQ(refusal(std::string(1 << 20, 'A')), AuthFailure::malformed);
}

TEST_F(AccessTokenVerifierTest, EveryMutationOfAValidTokenIsRefusedCleanly) {
  const std::string good = token();
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ \x01\xff";
  std::mt19937 random(20261124);  // fixed seed: the same mutations on every run
  for (int round = 0; round < 3000; ++round) {
    std::string mutated = good;
    int edits = 1 + static_cast<int>(random() % 3);
    for (int e = 0; e < edits; ++e) {
      std::size_t at = random() % mutated.size();
      switch (random() % 3) {
        case 0:
          mutated[at] = alphabet[random() % alphabet.size()];
          break;
        case 1:
          mutated.erase(at, 1 + random() % 8);
          break;
        default:
          mutated.insert(at, 1, alphabet[random() % alphabet.size()]);
          break;
      }
    }
    if (mutated == good) continue;
    try {
      (void)verify(mutated);
      ADD_FAILURE() << "mutation " << round << " accepted";
    } catch (const AuthError&) {
      // refused, as it must be; any other exception fails the test
    }
  }
}

TEST_F(AccessTokenVerifierTest, ManyThreadsVerifyConcurrently) {
  const std::vector<std::string> tokens = {token(), token({{"sub", "second"}}),
                                           token({}, {}, other_key_)};
  std::atomic<int> accepted{0};
  std::atomic<int> refused{0};
  std::vector<std::future<void>> done;
  for (int i = 0; i < 600; ++i) {
    auto check = [&, i]() -> boost::asio::awaitable<void> {
      try {
        (void)co_await verifier_->verify(tokens[static_cast<std::size_t>(i) % tokens.size()]);
        ++accepted;
      } catch (const AuthError&) {
        ++refused;
      }
    };
    done.push_back(boost::asio::co_spawn(io_, check, boost::asio::use_future));
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([this] { io_.run(); });
  for (auto& future : done) future.get();
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(accepted.load(), 400);
  EXPECT_EQ(refused.load(), 200);
}

TEST_F(AccessTokenVerifierTest, ConstructorRefusesIncompleteOrDuplicateIssuers) {
  using Issuers = std::vector<TrustedIssuer>;
  EXPECT_THROW(AccessTokenVerifier(Issuers{}), cruddur::Error);
  EXPECT_THROW(AccessTokenVerifier(Issuers{{kIssuer, "", jwks_}}), cruddur::Error);
  EXPECT_THROW(AccessTokenVerifier(Issuers{{kIssuer, kClient, nullptr}}), cruddur::Error);
  EXPECT_THROW(AccessTokenVerifier(Issuers{{kIssuer, kClient, jwks_}, {kIssuer, "b", jwks_}}),
               cruddur::Error);
}

TEST_F(AccessTokenVerifierTest, ProductionNeverTrustsTheDevelopmentIssuer) {
  std::vector<TrustedIssuer> issuers = {
      {kIssuer, kClient, jwks_},
      {std::string(cruddur::aws::kDevIssuer), std::string(cruddur::aws::kDevClientId), jwks_}};
  cruddur::aws::VerifierOptions production;
  production.production = true;
  try {
    AccessTokenVerifier verifier(issuers, production);
    ADD_FAILURE() << "production verifier built with the development issuer";
  } catch (const cruddur::Error& error) {
    EXPECT_EQ(error.code(), "invalid_config");
  }
  EXPECT_NO_THROW(AccessTokenVerifier(issuers, {}));
}

TEST_F(AccessTokenVerifierTest, TwoIssuersEachWithTheirOwnKeysAndClient) {
  cruddur::test::TempDir other_dir;
  other_dir.write("jwks.json", other_key_->jwks_json());
  auto other_jwks = std::make_shared<JwksCache>(
      io_.get_executor(),
      cruddur::aws::JwksOptions{"file://" + (other_dir.path() / "jwks.json").string()});
  const std::string other_issuer = "https://cruddur.invalid/other";
  verifier_.emplace(std::vector<TrustedIssuer>{{kIssuer, kClient, jwks_},
                                               {other_issuer, "other-client", other_jwks}});
  EXPECT_NO_THROW((void)verify(token()));
  json other_claims = {{"iss", other_issuer}, {"client_id", "other-client"}};
  EXPECT_NO_THROW((void)verify(token(other_claims, {{"kid", other_key_->kid()}}, other_key_)));
  // The other issuer's key cannot vouch for the first issuer's tokens, nor its client.
  EXPECT_EQ(refusal(token({}, {{"kid", other_key_->kid()}}, other_key_)), AuthFailure::unknown_kid);
  EXPECT_EQ(refusal(token({{"iss", other_issuer}}, {{"kid", other_key_->kid()}}, other_key_)),
            AuthFailure::wrong_client);
}

}  // namespace
