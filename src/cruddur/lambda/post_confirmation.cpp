// Cognito post-confirmation handler: validate the event, insert the user idempotently.
#include "cruddur/lambda/post_confirmation.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cruddur/core/error.hpp"
#include "cruddur/db/conninfo.hpp"
#include "cruddur/db/errors.hpp"
#include "embedded_sql.hpp"

namespace cruddur::lambda {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::system_clock;

constexpr std::string_view kConfirmSignUp = "PostConfirmation_ConfirmSignUp";
constexpr const char* kApplicationName = "cruddur-post-confirmation";
// Unacknowledged data older than this means the server is gone (Cognito waits 5 s per try).
constexpr const char* kTcpUserTimeoutMs = "5000";

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
  auto url = env("CONNECTION_URL");
  if (!url) throw Error("invalid_config", "CONNECTION_URL is not set");
  db::ConnInfo parsed(*url);  // throws MalformedUrl, redacted
  spdlog::info("database {}", parsed.display());
  return PostConfirmationConfig{*url};
}

PostConfirmationHandler::PostConfirmationHandler(PostConfirmationConfig config)
    : config_(std::move(config)) {}

std::string PostConfirmationHandler::operator()(const Invocation& invocation) {
  auto user = parse_post_confirmation(invocation.payload);
  if (!user) {
    spdlog::info("not a sign-up confirmation: nothing to insert");
    return invocation.payload;
  }
  if (connection_ && !connection_->is_ok()) {
    spdlog::warn("the database connection is broken: reconnecting");
    connection_.reset();
  }
  bool reused = connection_.has_value();
  try {
    insert(*user, invocation.deadline);
  } catch (const db::ConnectionError& error) {
    connection_.reset();
    if (!reused) throw;
    // A warm container's connection may have died while it was frozen.
    spdlog::warn("the reused database connection failed ({}): retrying on a new one", error.what());
    insert(*user, invocation.deadline);
  }
  return invocation.payload;
}

milliseconds PostConfirmationHandler::time_left(Clock::time_point deadline) const {
  auto left =
      std::chrono::duration_cast<milliseconds>(deadline - Clock::now()) - config_.deadline_margin;
  if (left <= milliseconds::zero()) {
    throw Error("deadline_exceeded", "the invocation ran out of time before the user was saved");
  }
  return left;
}

void PostConfirmationHandler::insert(const CognitoUser& user, Clock::time_point deadline) {
  if (!connection_) {
    // libpq's connect_timeout is in whole seconds, and it treats 1 as 2.
    auto seconds = std::max<long long>(2, (time_left(deadline).count() + 999) / 1000);
    // statement_timeout cannot fire when the server is unreachable mid-statement (the VPC path
    // broke while the container was frozen); tcp_user_timeout makes the kernel give up instead.
    connection_.emplace(
        db::Connection::open(config_.connection_url, {{"connect_timeout", std::to_string(seconds)},
                                                      {"tcp_user_timeout", kTcpUserTimeoutMs},
                                                      {"application_name", kApplicationName}}));
    spdlog::info("connected to the database (backend {})", connection_->backend_pid());
  }
  connection_->exec_params("SELECT set_config('statement_timeout', $1, false)",
                           {std::to_string(time_left(deadline).count())});
  auto result =
      connection_->exec_params(std::string(create_user_from_cognito_sql()),
                               {user.name, user.email, user.preferred_username, user.sub});
  if (result.rows() == 1) {
    spdlog::info("created user {} (@{})", result.value(0, 0), user.preferred_username);
  } else {
    spdlog::info("user @{} already existed: nothing to do", user.preferred_username);
  }
}

}  // namespace cruddur::lambda
