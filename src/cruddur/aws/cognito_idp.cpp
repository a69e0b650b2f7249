// Cognito user pools: GetUser with the user's own access token.
#include "cruddur/aws/cognito_idp.hpp"

#include <nlohmann/json.hpp>

#include "cruddur/aws/aws_client.hpp"
#include "cruddur/aws/aws_error.hpp"

namespace cruddur::aws {
namespace {

std::string get_user_body(const std::string& access_token) {
  nlohmann::json body = nlohmann::json::object();
  body["AccessToken"] = access_token;
  return body.dump();
}

CognitoUser to_user(const nlohmann::json& answer) {
  CognitoUser user;
  user.username = answer.value("Username", "");
  for (const auto& attribute : answer.value("UserAttributes", nlohmann::json::array())) {
    if (!attribute.is_object() || !attribute.contains("Name") || !attribute.contains("Value")
        || !attribute["Name"].is_string() || !attribute["Value"].is_string()) {
      continue;
    }
    user.attributes[attribute["Name"].get<std::string>()] = attribute["Value"].get<std::string>();
  }
  return user;
}

}  // namespace

asio::awaitable<CognitoUser> CognitoIdentityProvider::get_user(std::string access_token) {
  CallOptions options;
  options.sign = false;
  auto answer =
      co_await client_.call(cognito_idp_service(), "GetUser", get_user_body(access_token), options);
  co_return to_user(answer);
}

}  // namespace cruddur::aws
