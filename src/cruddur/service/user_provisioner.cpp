// A missing users row made from Cognito's GetUser, exactly as the post-confirmation Lambda does.
#include "cruddur/service/user_provisioner.hpp"

#include <spdlog/spdlog.h>

#include "cruddur/aws/auth_error.hpp"
#include "cruddur/aws/aws_error.hpp"
#include "cruddur/aws/cognito_idp.hpp"
#include "cruddur/db/pool.hpp"

namespace cruddur::service {
namespace {

// The Lambda's parameters: name, email, preferred_username, sub (users/create_from_cognito).
db::Params lambda_params(const aws::CognitoUser& user, const std::string& sub) {
  db::Params params;
  for (const char* name : {"name", "email", "preferred_username"}) {
    auto found = user.attributes.find(name);
    if (found == user.attributes.end() || found->second.empty()) {
      throw Error("forbidden", std::string("this Cognito account has no ") + name
                                   + ", so it cannot have a Cruddur user yet");
    }
    params.emplace_back(found->second);
  }
  params.emplace_back(sub);
  return params;
}

[[noreturn]] void throw_for(const aws::AwsError& error) {
  if (error.code() == "aws_denied") {
    throw aws::AuthError(aws::AuthFailure::bad_signature, "Cognito refused the access token");
  }
  spdlog::warn("Cognito GetUser failed: {} ({})", error.what(), error.code());
  throw Error("cognito_unavailable",
              "this account has no Cruddur user yet and Cognito cannot be reached to make it; "
              "try again shortly");
}

}  // namespace

UserProvisioner::UserProvisioner(db::Pool& pool, const db::Catalog& catalog,
                                 aws::CognitoIdentityProvider& cognito)
    : pool_(pool),
      cognito_(cognito),
      by_cognito_id_(catalog.id("users/by_cognito_id")),
      create_from_cognito_(catalog.id("users/create_from_cognito")) {}

asio::awaitable<bool> UserProvisioner::provision(const Caller& caller) {
  if (caller.cognito_access_token.empty()) co_return false;  // a development token
  db::Params lookup;  // not a braced list: g++ 12 miscompiles those in coroutines
  lookup.emplace_back(caller.cognito_user_id);
  if (co_await pool_.query_json_object(by_cognito_id_, std::move(lookup))) co_return false;
  aws::CognitoUser user;
  try {
    user = co_await cognito_.get_user(caller.cognito_access_token);
  } catch (const aws::AwsError& error) {
    throw_for(error);
  }
  auto sub = user.attributes.find("sub");
  if (sub == user.attributes.end() || sub->second != caller.cognito_user_id) {
    throw aws::AuthError(aws::AuthFailure::malformed, "Cognito's user is not the token's sub");
  }
  auto params = lambda_params(user, caller.cognito_user_id);
  auto rows = co_await pool_.execute_returning(create_from_cognito_, std::move(params));
  if (!rows.rows.empty()) {
    spdlog::info(
        "created the missing user row of @{} from Cognito (the post-confirmation "
        "trigger had not)",
        user.attributes.at("preferred_username"));
  }
  co_return true;
}

}  // namespace cruddur::service
