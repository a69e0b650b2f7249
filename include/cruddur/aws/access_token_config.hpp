#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "cruddur/aws/access_token_verifier.hpp"
#include "cruddur/core/config.hpp"

namespace cruddur::aws {

/// `https://cognito-idp.<region>.amazonaws.com/<pool_id>`, the `iss` of a pool's tokens.
std::string cognito_issuer(std::string_view region, std::string_view pool_id);

/// One issuer the server trusts, before any key is fetched.
struct IssuerSettings {
  std::string issuer;
  std::string client_id;
  std::string jwks_url;
};

/// The issuers a server trusts (ARCHITECTURE §4):
/// - Cognito when `AWS_COGNITO_USER_POOL_ID` is set: the region is `AWS_DEFAULT_REGION` or the
///   pool id's prefix, the client `AWS_COGNITO_USER_POOL_CLIENT_ID`, the JWKS `COGNITO_JWKS_URL`
///   or `<iss>/.well-known/jwks.json`;
/// - in development also the local development key: kDevIssuer, kDevClientId and
///   `file://<dev_key_dir>/jwks.json`;
/// - in production Cognito only: it is required, its JWKS URL must be `https://`, and the
///   development issuer is never included.
/// Throws cruddur::Error("invalid_config") naming the missing or wrong variable.
std::vector<IssuerSettings> trusted_issuer_settings(const core::Config& config, bool production,
                                                    const std::filesystem::path& dev_key_dir);

/// The verifier for `trusted_issuer_settings`, one JwksCache per issuer on `executor` (`fetch`
/// gives the timeout, size cap, refresh and refetch intervals for remote JWKS; a `file://` JWKS
/// may be re-read every second). In development the development key store is opened (created on
/// first use) so its jwks.json exists. Each JWKS starts its periodic refresh (JwksCache::start):
/// fetched as soon as the executor runs, then hourly, retried with backoff after a failure; a
/// request that needs keys before they arrive waits for that fetch. Never blocks. Call the
/// verifier's close() at shutdown.
AccessTokenVerifier make_access_token_verifier(const core::Config& config, bool production,
                                               const std::filesystem::path& dev_key_dir,
                                               asio::any_io_executor executor,
                                               const JwksOptions& fetch = {});

}  // namespace cruddur::aws
