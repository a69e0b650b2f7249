#pragma once

#include <map>
#include <string>

#include "cruddur/core/asio.hpp"

namespace cruddur::aws {

class AwsClient;

/// A user as Cognito's GetUser describes them.
struct CognitoUser {
  std::string username;
  std::map<std::string, std::string>
      attributes;  ///< `sub`, `email`, `name`, `preferred_username` …
};

/// The Cognito user pools API (`AWSCognitoIdentityProviderService`, JSON 1.1) on an AwsClient.
/// Thread-safe; `client` must outlive it.
class CognitoIdentityProvider {
 public:
  explicit CognitoIdentityProvider(AwsClient& client) : client_(client) {}

  /// GetUser, authorised by the user's own access token (the request is not signed: Cognito
  /// ignores IAM for it). Throws AwsError: `aws_denied` when Cognito refuses the token
  /// (NotAuthorizedException), `aws_unavailable`/`aws_throttled` when it cannot answer. The
  /// token is never put in an error or a log line.
  asio::awaitable<CognitoUser> get_user(std::string access_token);

 private:
  AwsClient& client_;
};

}  // namespace cruddur::aws
