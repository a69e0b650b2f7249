// JwksCache: file:// fetching, key rotation, the refetch rate limit and fetch failures.
#include "cruddur/aws/jwks_cache.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "cruddur/aws/access_token_verifier.hpp"
#include "cruddur/aws/signing_key.hpp"
#include "temp_dir.hpp"

namespace {

using cruddur::aws::AccessTokenVerifier;
using cruddur::aws::AuthError;
using cruddur::aws::AuthFailure;
using cruddur::aws::JwksCache;
using cruddur::aws::JwksOptions;
using cruddur::aws::SigningKey;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kIssuer = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Rotate";
constexpr const char* kClient = "rotation-client";

std::string access_token(const SigningKey& key) {
  auto now = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  json header = {{"alg", "RS256"}, {"kid", key.kid()}};
  json payload = {{"sub", "u-1"},          {"iss", kIssuer},   {"client_id", kClient},
                  {"token_use", "access"}, {"exp", now + 600}, {"iat", now}};
  return key.sign_jwt(header.dump(), payload.dump());
}

class JwksCacheTest : public ::testing::Test {
 protected:
  JwksCacheTest() : first_(SigningKey::generate()), second_(SigningKey::generate()) {}

  /// A verifier over `dir_/jwks.json` whose cache reads time from `now_`.
  AccessTokenVerifier verifier(std::chrono::seconds interval) {
    JwksOptions options{"file://" + (dir_.path() / "jwks.json").string()};
    options.min_refetch_interval = interval;
    jwks_ = std::make_shared<JwksCache>(options, [this] { return now_; });
    return AccessTokenVerifier({{kIssuer, kClient, jwks_}});
  }

  AuthError refusal(const AccessTokenVerifier& verifier, const std::string& token) {
    try {
      (void)verifier.verify(token);
    } catch (const AuthError& error) {
      return error;
    }
    ADD_FAILURE() << "token accepted";
    return AuthError(AuthFailure::malformed, "accepted");
  }

  cruddur::test::TempDir dir_;
  SigningKey first_;
  SigningKey second_;
  Clock::time_point now_ = Clock::now();
  std::shared_ptr<JwksCache> jwks_;
};

TEST_F(JwksCacheTest, RefreshLoadsTheKeys) {
  dir_.write("jwks.json", first_.jwks_json());
  auto checker = verifier(std::chrono::seconds(30));
  EXPECT_EQ(jwks_->refresh(), 1u);
  EXPECT_NO_THROW((void)checker.verify(access_token(first_)));
}

TEST_F(JwksCacheTest, UnknownKidRefetchesAfterRotationOncePerInterval) {
  dir_.write("jwks.json", first_.jwks_json());
  auto checker = verifier(std::chrono::seconds(30));
  EXPECT_NO_THROW((void)checker.verify(access_token(first_)));  // first use fetches

  dir_.write("jwks.json", second_.jwks_json());  // the issuer rotates its key
  now_ += std::chrono::seconds(5);
  auto limited = refusal(checker, access_token(second_));
  EXPECT_EQ(limited.reason(), AuthFailure::unknown_kid);
  EXPECT_NE(std::string(limited.what()).find("rate-limited"), std::string::npos) << limited.what();
  EXPECT_NO_THROW((void)checker.verify(access_token(first_)));  // old keys still cached

  now_ += std::chrono::seconds(30);
  EXPECT_NO_THROW((void)checker.verify(access_token(second_)));
  // The withdrawn key's token (byte-identical to the one that verified before: same second, no
  // jti) is not honoured from the verifier's memory of verified tokens either.
  EXPECT_EQ(refusal(checker, access_token(first_)).reason(), AuthFailure::unknown_kid);
}

TEST_F(JwksCacheTest, ConcurrentUnknownKidsNeverBreakKnownOnes) {
  dir_.write("jwks.json", first_.jwks_json());
  auto checker = verifier(std::chrono::seconds(0));  // every unknown kid may refetch
  const auto known = access_token(first_);
  const auto unknown = access_token(second_);
  std::atomic<int> accepted{0};
  std::atomic<int> unknown_kid{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        try {
          (void)checker.verify((i + t) % 2 == 0 ? known : unknown);
          ++accepted;
        } catch (const AuthError& error) {
          if (error.reason() == AuthFailure::unknown_kid) ++unknown_kid;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(accepted.load(), 200);
  EXPECT_EQ(unknown_kid.load(), 200);
}

TEST_F(JwksCacheTest, FailedRefetchKeepsTheCachedKeys) {
  dir_.write("jwks.json", first_.jwks_json());
  auto checker = verifier(std::chrono::seconds(0));
  EXPECT_NO_THROW((void)checker.verify(access_token(first_)));
  dir_.write("jwks.json", "<html>gateway timeout</html>");
  auto failed = refusal(checker, access_token(second_));
  EXPECT_EQ(failed.reason(), AuthFailure::unknown_kid);
  EXPECT_NE(std::string(failed.what()).find("refetch failed"), std::string::npos) << failed.what();
  EXPECT_NO_THROW((void)checker.verify(access_token(first_)));
}

TEST_F(JwksCacheTest, RefreshReportsUnavailableAndInvalidJwks) {
  auto checker = verifier(std::chrono::seconds(0));
  auto code_of_refresh = [this] {
    try {
      jwks_->refresh();
    } catch (const cruddur::Error& error) {
      return error.code();
    }
    return std::string("ok");
  };
  EXPECT_EQ(code_of_refresh(), "jwks_unavailable");  // no file yet
  dir_.write("jwks.json", R"({"no_keys":[]})");
  EXPECT_EQ(code_of_refresh(), "jwks_unavailable");
  json doubled = json::parse(first_.jwks_json());
  doubled["keys"].push_back(doubled["keys"][0]);
  dir_.write("jwks.json", doubled.dump());
  EXPECT_EQ(code_of_refresh(), "jwks_unavailable");
  json tiny = json::parse(first_.jwks_json());
  tiny["keys"][0]["n"] = "AQAB";  // a 17-bit modulus
  dir_.write("jwks.json", tiny.dump());
  EXPECT_EQ(code_of_refresh(), "jwks_unavailable");
  dir_.write("jwks.json", first_.jwks_json());
  EXPECT_EQ(code_of_refresh(), "ok");
}

TEST_F(JwksCacheTest, SkipsKeysThatAreNotRs256SigningKeys) {
  json mixed = json::parse(first_.jwks_json());
  mixed["keys"].push_back(
      {{"kty", "EC"}, {"crv", "P-256"}, {"kid", "ec"}, {"x", "AA"}, {"y", "AA"}});
  json encryption = json::parse(second_.jwks_json())["keys"][0];
  encryption["use"] = "enc";
  mixed["keys"].push_back(encryption);
  dir_.write("jwks.json", mixed.dump());
  auto checker = verifier(std::chrono::seconds(30));
  EXPECT_EQ(jwks_->refresh(), 1u);
  EXPECT_NO_THROW((void)checker.verify(access_token(first_)));
  EXPECT_EQ(refusal(checker, access_token(second_)).reason(), AuthFailure::unknown_kid);
}

TEST_F(JwksCacheTest, OversizedJwksIsRefused) {
  json padded = json::parse(first_.jwks_json());
  padded["padding"] = std::string(300 * 1024, 'x');
  dir_.write("jwks.json", padded.dump());
  auto checker = verifier(std::chrono::seconds(0));
  EXPECT_THROW(jwks_->refresh(), cruddur::Error);
  EXPECT_EQ(refusal(checker, access_token(first_)).reason(), AuthFailure::unknown_kid);
}

TEST_F(JwksCacheTest, SilentJwksHostTimesOut) {
  // A listening socket that never answers: the TCP handshake completes, the response never comes.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), length), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
  JwksOptions options{"http://127.0.0.1:" + std::to_string(ntohs(address.sin_port)) + "/jwks.json"};
  options.fetch_timeout = std::chrono::milliseconds(200);
  JwksCache silent(options);
  try {
    silent.refresh();
    ADD_FAILURE() << "refresh returned keys";
  } catch (const cruddur::Error& error) {
    EXPECT_EQ(error.code(), "jwks_unavailable");
    EXPECT_NE(std::string(error.what()).find("127.0.0.1"), std::string::npos) << error.what();
  }
  ::close(listener);
}

TEST_F(JwksCacheTest, OnlyHttpHttpsAndFileUrlsAreFetched) {
  JwksCache gopher(JwksOptions{"gopher://127.0.0.1/jwks"});
  EXPECT_THROW(gopher.refresh(), cruddur::Error);
}

}  // namespace
