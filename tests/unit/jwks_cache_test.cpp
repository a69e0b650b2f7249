// JwksCache: file:// fetching, key rotation, the refetch rate limit and fetch failures.
#include "cruddur/aws/jwks_cache.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "cruddur/aws/access_token_verifier.hpp"
#include "cruddur/aws/signing_key.hpp"
#include "run_awaitable.hpp"
#include "scripted_server.hpp"
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
using cruddur::test::run_awaitable;
using cruddur::test::ScriptedRequest;
using cruddur::test::ScriptedResponse;
using cruddur::test::ScriptedServer;

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
    jwks_ = std::make_shared<JwksCache>(io_.get_executor(), options, [this] { return now_; });
    return AccessTokenVerifier({{kIssuer, kClient, jwks_}});
  }

  /// The claims of `token` from the asynchronous verify, run on this thread.
  cruddur::aws::AccessTokenClaims verify(const AccessTokenVerifier& verifier,
                                         const std::string& token) {
    return run_awaitable(io_, verifier.verify(token));
  }

  AuthError refusal(const AccessTokenVerifier& verifier, const std::string& token) {
    try {
      (void)verify(verifier, token);
    } catch (const AuthError& error) {
      return error;
    }
    ADD_FAILURE() << "token accepted";
    return AuthError(AuthFailure::malformed, "accepted");
  }

  /// The error code of refresh(), or "ok".
  std::string code_of_refresh(JwksCache& jwks) {
    try {
      run_awaitable(io_, jwks.refresh());
    } catch (const cruddur::Error& error) {
      return error.code();
    }
    return "ok";
  }

  cruddur::test::TempDir dir_;
  SigningKey first_;
  SigningKey second_;
  Clock::time_point now_ = Clock::now();
  boost::asio::io_context io_;
  std::shared_ptr<JwksCache> jwks_;
};

TEST_F(JwksCacheTest, RefreshLoadsTheKeys) {
  dir_.write("jwks.json", first_.jwks_json());
  auto checker = verifier(std::chrono::seconds(30));
  EXPECT_EQ(run_awaitable(io_, jwks_->refresh()), 1u);
  EXPECT_NO_THROW((void)verify(checker, access_token(first_)));
}

TEST_F(JwksCacheTest, UnknownKidRefetchesAfterRotationOncePerInterval) {
  dir_.write("jwks.json", first_.jwks_json());
  auto checker = verifier(std::chrono::seconds(30));
  EXPECT_NO_THROW((void)verify(checker, access_token(first_)));  // first use fetches

  dir_.write("jwks.json", second_.jwks_json());  // the issuer rotates its key
  now_ += std::chrono::seconds(5);
  auto limited = refusal(checker, access_token(second_));
  EXPECT_EQ(limited.reason(), AuthFailure::unknown_kid);
  EXPECT_NE(std::string(limited.what()).find("rate-limited"), std::string::npos) << limited.what();
  EXPECT_NO_THROW((void)verify(checker, access_token(first_)));  // old keys still cached

  now_ += std::chrono::seconds(30);
  EXPECT_NO_THROW((void)verify(checker, access_token(second_)));
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
  std::vector<std::future<void>> done;
  for (int i = 0; i < 400; ++i) {
    auto check = [&, i]() -> boost::asio::awaitable<void> {
      try {
        (void)co_await checker.verify(i % 2 == 0 ? known : unknown);
        ++accepted;
      } catch (const AuthError& error) {
        if (error.reason() == AuthFailure::unknown_kid) ++unknown_kid;
      }
    };
    done.push_back(boost::asio::co_spawn(io_, check, boost::asio::use_future));
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back([this] { io_.run(); });
  for (auto& future : done) future.get();
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(accepted.load(), 200);
  EXPECT_EQ(unknown_kid.load(), 200);
}

TEST_F(JwksCacheTest, FailedRefetchKeepsTheCachedKeys) {
  dir_.write("jwks.json", first_.jwks_json());
  auto checker = verifier(std::chrono::seconds(0));
  EXPECT_NO_THROW((void)verify(checker, access_token(first_)));
  dir_.write("jwks.json", "<html>gateway timeout</html>");
  auto failed = refusal(checker, access_token(second_));
  EXPECT_EQ(failed.reason(), AuthFailure::unknown_kid);
  EXPECT_NE(std::string(failed.what()).find("refetch failed"), std::string::npos) << failed.what();
  EXPECT_NO_THROW((void)verify(checker, access_token(first_)));
}

TEST_F(JwksCacheTest, RefreshReportsUnavailableAndInvalidJwks) {
  auto checker = verifier(std::chrono::seconds(0));
  EXPECT_EQ(code_of_refresh(*jwks_), "jwks_unavailable");  // no file yet
  dir_.write("jwks.json", R"({"no_keys":[]})");
  EXPECT_EQ(code_of_refresh(*jwks_), "jwks_unavailable");
  json doubled = json::parse(first_.jwks_json());
  doubled["keys"].push_back(doubled["keys"][0]);
  dir_.write("jwks.json", doubled.dump());
  EXPECT_EQ(code_of_refresh(*jwks_), "jwks_unavailable");
  json tiny = json::parse(first_.jwks_json());
  tiny["keys"][0]["n"] = "AQAB";  // a 17-bit modulus
  dir_.write("jwks.json", tiny.dump());
  EXPECT_EQ(code_of_refresh(*jwks_), "jwks_unavailable");
  dir_.write("jwks.json", first_.jwks_json());
  EXPECT_EQ(code_of_refresh(*jwks_), "ok");
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
  EXPECT_EQ(run_awaitable(io_, jwks_->refresh()), 1u);
  EXPECT_NO_THROW((void)verify(checker, access_token(first_)));
  EXPECT_EQ(refusal(checker, access_token(second_)).reason(), AuthFailure::unknown_kid);
}

TEST_F(JwksCacheTest, OversizedJwksIsRefused) {
  json padded = json::parse(first_.jwks_json());
  padded["padding"] = std::string(300 * 1024, 'x');
  dir_.write("jwks.json", padded.dump());
  auto checker = verifier(std::chrono::seconds(0));
  EXPECT_EQ(code_of_refresh(*jwks_), "jwks_unavailable");
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
  JwksCache silent(io_.get_executor(), options);
  try {
    run_awaitable(io_, silent.refresh());
    ADD_FAILURE() << "refresh returned keys";
  } catch (const cruddur::Error& error) {
    EXPECT_EQ(error.code(), "jwks_unavailable");
    EXPECT_NE(std::string(error.what()).find("127.0.0.1"), std::string::npos) << error.what();
  }
  ::close(listener);
}

TEST_F(JwksCacheTest, OnlyHttpHttpsAndFileUrlsAreFetched) {
  JwksCache gopher(io_.get_executor(), JwksOptions{"gopher://127.0.0.1/jwks"});
  EXPECT_EQ(code_of_refresh(gopher), "jwks_unavailable");
}

// Issue 14 item 2: an unknown kid waits asynchronously for one refetch, shared by every caller
// that needs it; nobody blocks a thread. Twenty verifications of a rotated key over HTTP: one
// request to the JWKS host, twenty accepted.
TEST_F(JwksCacheTest, CallersOfAnUnknownKidShareOneAsynchronousRefetch) {
  std::mutex mutex;
  std::string served = first_.jwks_json();
  std::atomic<int> requests{0};
  ScriptedServer host([&](const ScriptedRequest&) {
    ++requests;
    std::lock_guard lock(mutex);
    ScriptedResponse response{200, served, {{"Content-Type", "application/json"}}};
    response.delay = std::chrono::milliseconds(300);  // the callers below queue up meanwhile
    return response;
  });
  JwksOptions options{"http://127.0.0.1:" + std::to_string(host.port()) + "/jwks.json"};
  options.min_refetch_interval = std::chrono::seconds(30);
  jwks_ = std::make_shared<JwksCache>(io_.get_executor(), options, [this] { return now_; });
  AccessTokenVerifier checker({{kIssuer, kClient, jwks_}});
  EXPECT_NO_THROW((void)verify(checker, access_token(first_)));  // the first fetch
  EXPECT_EQ(requests.load(), 1);

  {
    std::lock_guard lock(mutex);
    served = second_.jwks_json();  // the issuer rotates its key
  }
  now_ += std::chrono::seconds(31);
  const auto rotated = access_token(second_);
  std::atomic<int> accepted{0};
  std::vector<std::future<void>> done;
  for (int i = 0; i < 20; ++i) {
    auto check = [&]() -> boost::asio::awaitable<void> {
      (void)co_await checker.verify(rotated);
      ++accepted;
    };
    done.push_back(boost::asio::co_spawn(io_, check, boost::asio::use_future));
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) threads.emplace_back([this] { io_.run(); });
  for (auto& future : done) EXPECT_NO_THROW(future.get());
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(accepted.load(), 20);
  EXPECT_EQ(requests.load(), 2) << "one refetch for all twenty callers";
}

// start(): the keys are fetched without any request needing them, a failure is retried with
// backoff, and close() ends the refreshing so the io_context runs out of work.
TEST_F(JwksCacheTest, StartFetchesRetriesWithBackoffAndCloseEndsIt) {
  std::atomic<int> requests{0};
  ScriptedServer host([&](const ScriptedRequest&) {
    if (++requests < 3) return ScriptedResponse{503, "busy", {}};
    return ScriptedResponse{200, first_.jwks_json(), {{"Content-Type", "application/json"}}};
  });
  JwksOptions options{"http://127.0.0.1:" + std::to_string(host.port()) + "/jwks.json"};
  options.retry_min = std::chrono::milliseconds(10);
  options.retry_max = std::chrono::milliseconds(40);
  jwks_ = std::make_shared<JwksCache>(io_.get_executor(), options);
  jwks_->start();
  while (!jwks_->current()) io_.run_one();
  EXPECT_EQ(requests.load(), 3);
  EXPECT_NE(jwks_->find(first_.kid()), nullptr);
  jwks_->close();
  io_.run();  // returns only once nothing is left: the refresh timer is gone
  EXPECT_EQ(requests.load(), 3);
}

}  // namespace
