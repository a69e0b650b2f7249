// The development key store, dev tokens, and which issuers a server trusts in dev and prod.
#include "cruddur/aws/dev_key_store.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <thread>

#include "cruddur/aws/access_token_config.hpp"
#include "cruddur/core/error.hpp"
#include "run_awaitable.hpp"
#include "temp_dir.hpp"

namespace {

namespace aws = cruddur::aws;
namespace fs = std::filesystem;
using cruddur::core::load_config;
using cruddur::core::map_env;

unsigned mode_of(const fs::path& path) {
  struct stat info {};
  EXPECT_EQ(::stat(path.c_str(), &info), 0) << path;
  return info.st_mode & 07777u;
}

std::string error_code_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const cruddur::Error& error) {
    return error.code();
  }
  return "ok";
}

TEST(DevKeyStore, CreatesPrivateKeyAndJwksOnFirstUse) {
  cruddur::test::TempDir dir;
  auto store = aws::DevKeyStore::open(dir.path() / "dev-jwt");
  EXPECT_EQ(mode_of(dir.path() / "dev-jwt"), 0700u);
  EXPECT_EQ(mode_of(dir.path() / "dev-jwt/private.pem"), 0600u);
  EXPECT_TRUE(fs::exists(store.jwks_path()));
  EXPECT_EQ(store.jwks_url(), "file://" + (dir.path() / "dev-jwt/jwks.json").string());

  auto again = aws::DevKeyStore::open(dir.path() / "dev-jwt");
  EXPECT_EQ(again.key().kid(), store.key().kid());
}

TEST(DevKeyStore, ConcurrentFirstUsesAgreeOnOneKey) {
  cruddur::test::TempDir dir;
  std::vector<std::string> kids(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < kids.size(); ++i) {
    threads.emplace_back(
        [&, i] { kids[i] = aws::DevKeyStore::open(dir.path() / "dev-jwt").key().kid(); });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& kid : kids) EXPECT_EQ(kid, kids[0]);
  EXPECT_EQ(aws::DevKeyStore::open(dir.path() / "dev-jwt").key().kid(), kids[0]);
  std::size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path() / "dev-jwt")) ++files;
  EXPECT_EQ(files, 2u);  // private.pem and jwks.json, no temporary left behind
}

TEST(DevKeyStore, RestoresAMissingJwks) {
  cruddur::test::TempDir dir;
  auto kid = aws::DevKeyStore::open(dir.path()).key().kid();
  fs::remove(dir.path() / "jwks.json");
  auto store = aws::DevKeyStore::open(dir.path());
  EXPECT_EQ(store.key().kid(), kid);
  EXPECT_TRUE(fs::exists(store.jwks_path()));
}

TEST(DevKeyStore, RefusesACorruptKey) {
  cruddur::test::TempDir dir;
  dir.write("private.pem", "not a key");
  EXPECT_EQ(error_code_of([&] { aws::DevKeyStore::open(dir.path()); }), "invalid_key");
}

TEST(DevKeyStore, MintedTokenPassesTheDevelopmentVerifier) {
  cruddur::test::TempDir dir;
  auto config = load_config(map_env({}));
  boost::asio::io_context io;
  auto verifier = aws::make_access_token_verifier(config, false, dir.path(), io.get_executor());
  auto store = aws::DevKeyStore::open(dir.path());
  auto token = aws::mint_dev_token(store, {"MOCK-andrewbrown", "andrewbrown"});
  auto claims = cruddur::test::run_awaitable(io, verifier.verify(token));
  EXPECT_EQ(claims.sub, "MOCK-andrewbrown");
  EXPECT_EQ(claims.username, "andrewbrown");
  EXPECT_EQ(claims.issuer, aws::kDevIssuer);
  EXPECT_EQ(claims.client_id, aws::kDevClientId);
  EXPECT_EQ(error_code_of([&] { aws::mint_dev_token(store, {"", "nobody"}); }), "invalid_argument");
}

TEST(DevKeyStore, MintedTokenExpires) {
  cruddur::test::TempDir dir;
  boost::asio::io_context io;
  auto verifier = aws::make_access_token_verifier(load_config(map_env({})), false, dir.path(),
                                                  io.get_executor());
  auto store = aws::DevKeyStore::open(dir.path());
  auto yesterday = std::chrono::system_clock::now() - std::chrono::hours(24);
  auto token =
      aws::mint_dev_token(store, {"MOCK-bayko", "bayko", std::chrono::hours(1)}, yesterday);
  try {
    (void)cruddur::test::run_awaitable(io, verifier.verify(token));
    ADD_FAILURE() << "expired dev token accepted";
  } catch (const aws::AuthError& error) {
    EXPECT_EQ(error.reason(), aws::AuthFailure::expired);
  }
}

TEST(TrustedIssuers, DevelopmentTrustsTheDevKeyAndCognitoWhenConfigured) {
  auto dev_only =
      aws::trusted_issuer_settings(load_config(map_env({})), false, "/repo/.cruddur/dev-jwt");
  ASSERT_EQ(dev_only.size(), 1u);
  EXPECT_EQ(dev_only[0].issuer, aws::kDevIssuer);
  EXPECT_EQ(dev_only[0].jwks_url, "file:///repo/.cruddur/dev-jwt/jwks.json");

  auto both = aws::trusted_issuer_settings(
      load_config(map_env({{"AWS_COGNITO_USER_POOL_ID", "ca-central-1_AbC"},
                           {"AWS_COGNITO_USER_POOL_CLIENT_ID", "client-1"}})),
      false, "/repo/.cruddur/dev-jwt");
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].issuer, "https://cognito-idp.ca-central-1.amazonaws.com/ca-central-1_AbC");
  EXPECT_EQ(both[0].client_id, "client-1");
  EXPECT_EQ(
      both[0].jwks_url,
      "https://cognito-idp.ca-central-1.amazonaws.com/ca-central-1_AbC/.well-known/jwks.json");
}

TEST(TrustedIssuers, ProductionTrustsCognitoOnly) {
  auto env = map_env({{"AWS_DEFAULT_REGION", "us-east-1"},
                      {"AWS_COGNITO_USER_POOL_ID", "us-east-1_Prod"},
                      {"AWS_COGNITO_USER_POOL_CLIENT_ID", "client-p"}});
  auto prod = aws::trusted_issuer_settings(load_config(env), true, "/repo/.cruddur/dev-jwt");
  ASSERT_EQ(prod.size(), 1u);
  EXPECT_EQ(prod[0].issuer, "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Prod");
  for (const auto& issuer : prod) EXPECT_NE(issuer.issuer, aws::kDevIssuer);
}

TEST(TrustedIssuers, ProductionRefusesMissingCognitoAndLocalJwks) {
  auto settings = [](std::map<std::string, std::string> env, bool production) {
    return [env = std::move(env), production] {
      aws::trusted_issuer_settings(load_config(map_env(env)), production, "/dev-jwt");
    };
  };
  EXPECT_EQ(error_code_of(settings({}, true)), "invalid_config");
  EXPECT_EQ(
      error_code_of(settings({{"AWS_COGNITO_USER_POOL_ID", "us-east-1_P"},
                              {"AWS_COGNITO_USER_POOL_CLIENT_ID", "c"},
                              {"COGNITO_JWKS_URL", "file:///repo/.cruddur/dev-jwt/jwks.json"}},
                             true)),
      "invalid_config");
  EXPECT_EQ(error_code_of(settings({{"AWS_COGNITO_USER_POOL_ID", "us-east-1_P"}}, false)),
            "invalid_config");
  EXPECT_EQ(error_code_of(settings({{"AWS_COGNITO_USER_POOL_ID", "NoRegion"},
                                    {"AWS_COGNITO_USER_POOL_CLIENT_ID", "c"}},
                                   false)),
            "invalid_config");
}

}  // namespace
