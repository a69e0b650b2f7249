// Integration: verifying real-shaped Cognito tokens from moto_server against moto's JWKS.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>

#include "cruddur/aws/access_token_config.hpp"
#include "cruddur/aws/access_token_verifier.hpp"
#include "cruddur/aws/signing_key.hpp"
#include "cruddur/core/base64url.hpp"
#include "cruddur/core/config.hpp"
#include "run_awaitable.hpp"

namespace {

namespace aws = cruddur::aws;
using nlohmann::json;

struct PipeCloser {
  void operator()(FILE* pipe) const noexcept { ::pclose(pipe); }
};

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

/// Runs tests/auth/moto_cognito.py against the moto_server and returns what it printed.
json set_up_cognito_on_moto(const std::string& moto_url) {
  std::string command = shell_quote(CRUDDUR_PYTHON) + " " + shell_quote(CRUDDUR_MOTO_COGNITO_SCRIPT)
                        + " " + shell_quote(moto_url);
  std::unique_ptr<FILE, PipeCloser> pipe(::popen(command.c_str(), "r"));
  if (!pipe) throw std::runtime_error("cannot run " + command);
  std::string output;
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, pipe.get())) output.append(buffer, n);
  int status = ::pclose(pipe.release());
  if (status != 0)
    throw std::runtime_error(command + " failed with status " + std::to_string(status));
  return json::parse(output);
}

class MotoCognito : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = std::getenv("CRUDDUR_TEST_MOTO_URL");
    if (url == nullptr || *url == '\0') {
      FAIL() << "CRUDDUR_TEST_MOTO_URL is not set: run through scripts/test, or start "
                "`moto_server -H 127.0.0.1 -p PORT` and export "
                "CRUDDUR_TEST_MOTO_URL=http://127.0.0.1:PORT";
    }
    moto_url_ = url;
    if (!cognito_) cognito_ = std::make_unique<json>(set_up_cognito_on_moto(moto_url_));
  }

  const json& cognito() const { return *cognito_; }
  std::string text(const char* name) const { return cognito().at(name).get<std::string>(); }
  std::string issuer() const { return aws::cognito_issuer(text("region"), text("pool_id")); }
  std::string jwks_url() const {
    return moto_url_ + "/" + text("pool_id") + "/.well-known/jwks.json";
  }

  /// The server's development configuration pointed at moto's pool and JWKS.
  cruddur::core::Config config() const {
    return cruddur::core::load_config(cruddur::core::map_env({
        {"AWS_DEFAULT_REGION", text("region")},
        {"AWS_COGNITO_USER_POOL_ID", text("pool_id")},
        {"AWS_COGNITO_USER_POOL_CLIENT_ID", text("client_id")},
        {"COGNITO_JWKS_URL", jwks_url()},
    }));
  }

  /// A verifier trusting moto's pool only (what production builds, with moto's http JWKS).
  aws::AccessTokenVerifier cognito_verifier() {
    auto jwks = std::make_shared<aws::JwksCache>(io_.get_executor(), aws::JwksOptions{jwks_url()});
    aws::VerifierOptions production;
    production.production = true;
    return aws::AccessTokenVerifier({{issuer(), text("client_id"), jwks}}, production);
  }

  /// The claims of `token` from `verifier`'s asynchronous verify, run on this thread.
  aws::AccessTokenClaims verify(const aws::AccessTokenVerifier& verifier,
                                const std::string& token) {
    return cruddur::test::run_awaitable(io_, verifier.verify(token));
  }

  aws::AuthFailure refusal(const aws::AccessTokenVerifier& verifier, const std::string& token) {
    try {
      (void)verify(verifier, token);
    } catch (const aws::AuthError& error) {
      return error.reason();
    }
    ADD_FAILURE() << "token accepted";
    return aws::AuthFailure::malformed;
  }

  std::string moto_url_;
  boost::asio::io_context io_;
  static std::unique_ptr<json> cognito_;
};

std::unique_ptr<json> MotoCognito::cognito_;

TEST_F(MotoCognito, IssuerHasTheCognitoShape) {
  auto token = text("access_token");
  auto first = token.find('.');
  auto payload = cruddur::core::base64url_decode(
      token.substr(first + 1, token.find('.', first + 1) - first - 1));
  ASSERT_TRUE(payload);
  EXPECT_EQ(json::parse(*payload).at("iss"), issuer());
}

TEST_F(MotoCognito, JwksIsFetchedOverHttp) {
  aws::JwksCache jwks(io_.get_executor(), aws::JwksOptions{jwks_url()});
  EXPECT_GE(cruddur::test::run_awaitable(io_, jwks.refresh()), 1u);
}

TEST_F(MotoCognito, AccessTokenPasses) {
  auto verifier = cognito_verifier();
  auto claims = verify(verifier, text("access_token"));
  EXPECT_EQ(claims.sub, text("sub"));
  EXPECT_EQ(claims.username, text("username"));
  EXPECT_EQ(claims.client_id, text("client_id"));
  EXPECT_EQ(claims.issuer, issuer());
}

TEST_F(MotoCognito, DevelopmentServerConfigTrustsMotoAndTheDevKey) {
  char dir_template[] = "/tmp/cruddur-auth-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  std::filesystem::path dev_dir = dir_template;
  {
    auto verifier = aws::make_access_token_verifier(config(), false, dev_dir, io_.get_executor());
    EXPECT_EQ(verifier.issuers().size(), 2u);
    EXPECT_EQ(verify(verifier, text("access_token")).sub, text("sub"));
    EXPECT_EQ(refusal(verifier, text("id_token")), aws::AuthFailure::wrong_token_use);
  }
  std::filesystem::remove_all(dev_dir);
}

TEST_F(MotoCognito, IdTokenFails) {
  EXPECT_EQ(refusal(cognito_verifier(), text("id_token")), aws::AuthFailure::wrong_token_use);
}

TEST_F(MotoCognito, AnotherClientsAccessTokenFails) {
  EXPECT_EQ(refusal(cognito_verifier(), text("other_access_token")),
            aws::AuthFailure::wrong_client);
}

TEST_F(MotoCognito, TokenForgedUnderMotosKidFails) {
  auto forger = aws::SigningKey::generate();
  auto token = text("access_token");
  auto header = cruddur::core::base64url_decode(token.substr(0, token.find('.')));
  ASSERT_TRUE(header);
  auto first = token.find('.');
  auto payload = cruddur::core::base64url_decode(
      token.substr(first + 1, token.find('.', first + 1) - first - 1));
  ASSERT_TRUE(payload);
  EXPECT_EQ(refusal(cognito_verifier(), forger.sign_jwt(*header, *payload)),
            aws::AuthFailure::bad_signature);
}

TEST_F(MotoCognito, MissingJwksIsReportedNotFatal) {
  aws::JwksCache jwks(
      io_.get_executor(),
      aws::JwksOptions{moto_url_ + "/us-east-1_Nope/.well-known/jwks-missing.json"});
  try {
    cruddur::test::run_awaitable(io_, jwks.refresh());
    ADD_FAILURE() << "refresh succeeded";
  } catch (const cruddur::Error& error) {
    EXPECT_EQ(error.code(), "jwks_unavailable");
  }
}

}  // namespace
