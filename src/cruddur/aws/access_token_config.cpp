// Which token issuers a server trusts in development and production, built from the Config.
#include "cruddur/aws/access_token_config.hpp"

#include "cruddur/aws/dev_key_store.hpp"
#include "cruddur/core/error.hpp"

namespace cruddur::aws {
namespace {

IssuerSettings cognito_settings(const core::Config& config, bool production) {
  const std::string& pool = *config.cognito_user_pool_id;
  std::string region = config.aws_region.value_or(pool.substr(0, pool.find('_')));
  if (region.empty() || region == pool) {
    throw Error("invalid_config",
                "AWS_DEFAULT_REGION is not set and AWS_COGNITO_USER_POOL_ID has no region prefix");
  }
  if (!config.cognito_user_pool_client_id) {
    throw Error("invalid_config",
                "AWS_COGNITO_USER_POOL_CLIENT_ID must be set with AWS_COGNITO_USER_POOL_ID");
  }
  IssuerSettings settings{cognito_issuer(region, pool), *config.cognito_user_pool_client_id, {}};
  settings.jwks_url = config.cognito_jwks_url.value_or(settings.issuer + "/.well-known/jwks.json");
  if (production && settings.jwks_url.rfind("https://", 0) != 0) {
    throw Error("invalid_config", "COGNITO_JWKS_URL must be an https:// URL in production");
  }
  return settings;
}

}  // namespace

std::string cognito_issuer(std::string_view region, std::string_view pool_id) {
  return "https://cognito-idp." + std::string(region) + ".amazonaws.com/" + std::string(pool_id);
}

std::vector<IssuerSettings> trusted_issuer_settings(const core::Config& config, bool production,
                                                    const std::filesystem::path& dev_key_dir) {
  std::vector<IssuerSettings> issuers;
  if (config.cognito_user_pool_id) {
    issuers.push_back(cognito_settings(config, production));
  } else if (production) {
    throw Error("invalid_config", "AWS_COGNITO_USER_POOL_ID must be set in production");
  }
  if (!production) {
    auto jwks = std::filesystem::absolute(dev_key_dir) / "jwks.json";
    issuers.push_back(
        {std::string(kDevIssuer), std::string(kDevClientId), "file://" + jwks.string()});
  }
  return issuers;
}

AccessTokenVerifier make_access_token_verifier(const core::Config& config, bool production,
                                               const std::filesystem::path& dev_key_dir,
                                               asio::any_io_executor executor,
                                               const JwksOptions& fetch) {
  if (!production) DevKeyStore::open(dev_key_dir);
  std::vector<TrustedIssuer> trusted;
  for (auto& settings : trusted_issuer_settings(config, production, dev_key_dir)) {
    JwksOptions options = fetch;
    options.url = settings.jwks_url;
    if (options.url.rfind("file://", 0) == 0)
      options.min_refetch_interval = std::chrono::seconds(1);
    auto jwks = std::make_shared<JwksCache>(executor, options);
    jwks->start();
    trusted.push_back({std::move(settings.issuer), std::move(settings.client_id), std::move(jwks)});
  }
  VerifierOptions verifier_options;
  verifier_options.production = production;
  return AccessTokenVerifier(std::move(trusted), verifier_options);
}

}  // namespace cruddur::aws
