// Cognito post-confirmation handler: validate the event, insert the user idempotently.
#include "cruddur/lambda/post_confirmation.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cruddur/core/error.hpp"
#include "cruddur/db/errors.hpp"
#include "embedded_sql.hpp"

namespace cruddur::lambda {
namespace {

constexpr std::string_view kConfirmSignUp = "PostConfirmation_ConfirmSignUp";
constexpr const char* kApplicationName = "cruddur-post-confirmation";

[[noreturn]] void invalid_event(const std::string& message) {
  throw Error("invalid_event", message);
}

// The attribute `name` when it is a non-empty string; nullopt otherwise.
std::optional<std::string> attribute(const nlohmann::json& attributes, const char* name) {
  auto it = attributes.find(name);
  if (it == attributes.end() || !it->is_string()) return std::nullopt;
  auto value = it->get<std::string>();
  if (value.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<CognitoUser> parse_post_confirmation(std::string_view payload) {
  auto event = nlohmann::json::parse(payload, nullptr, false);
  if (event.is_discarded()) invalid_event("the event is not valid JSON");
  if (!event.is_object()) invalid_event("the event is not a JSON object");
  auto trigger = event.find("triggerSource");
  if (trigger == event.end() || !trigger->is_string()) {
    invalid_event("the event has no triggerSource");
  }
  if (trigger->get<std::string>() != kConfirmSignUp) return std::nullopt;

  const nlohmann::json no_attributes = nlohmann::json::object();
  const nlohmann::json* attributes = &no_attributes;
  if (auto request = event.find("request"); request != event.end() && request->is_object()) {
    if (auto found = request->find("userAttributes");
        found != request->end() && found->is_object()) {
      attributes = &*found;
    }
  }
  std::vector<std::string> missing;
  auto require = [&](const char* name) {
    auto value = attribute(*attributes, name);
    if (!value) missing.emplace_back(name);
    return value.value_or(std::string());
  };
  CognitoUser user{require("sub"), require("email"), require("preferred_username"),
                   require("name")};
  if (!missing.empty()) {
    invalid_event(fmt::format("request.userAttributes lacks {}", fmt::join(missing, ", ")));
  }
  return user;
}

PostConfirmationConfig load_post_confirmation_config(const core::EnvLookup& env) {
  return PostConfirmationConfig{database_url_from(env)};
}

PostConfirmationHandler::PostConfirmationHandler(PostConfirmationConfig config)
    : database_(std::move(config.connection_url), kApplicationName, config.deadline_margin) {}

std::string PostConfirmationHandler::operator()(const Invocation& invocation) {
  auto user = parse_post_confirmation(invocation.payload);
  if (!user) {
    spdlog::info("not a sign-up confirmation: nothing to insert");
    return invocation.payload;
  }
  // The insert is idempotent (ON CONFLICT DO NOTHING), so a retry on a new connection is safe.
  database_.run(invocation.deadline,
                [&user](db::Connection& connection) { insert(connection, *user); });
  return invocation.payload;
}

void PostConfirmationHandler::insert(db::Connection& connection, const CognitoUser& user) {
  auto result = connection.exec_params(std::string(create_user_from_cognito_sql()),
                                       {user.name, user.email, user.preferred_username, user.sub});
  if (result.rows() == 1) {
    spdlog::info("created user {} (@{})", result.value(0, 0), user.preferred_username);
  } else {
    spdlog::info("user @{} already existed: nothing to do", user.preferred_username);
  }
}

}  // namespace cruddur::lambda
