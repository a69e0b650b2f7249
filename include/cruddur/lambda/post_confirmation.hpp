#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "cruddur/core/env.hpp"
#include "cruddur/db/connection.hpp"
#include "cruddur/lambda/lambda_database.hpp"
#include "cruddur/lambda/runtime_client.hpp"

namespace cruddur::lambda {

/// The user that a `PostConfirmation_ConfirmSignUp` event asks to create.
struct CognitoUser {
  std::string sub;                 ///< → users.cognito_user_id
  std::string email;               ///< → users.email
  std::string preferred_username;  ///< → users.handle
  std::string name;                ///< → users.display_name
};

/// Reads a Cognito post-confirmation event. Returns nullopt for every trigger other than
/// `PostConfirmation_ConfirmSignUp` (a forgotten password creates nobody). Throws
/// cruddur::Error("invalid_event") when the payload is not a JSON object, has no string
/// `triggerSource`, or lacks any of `sub`, `email`, `preferred_username`, `name` as non-empty
/// strings in `request.userAttributes` (the message names every missing one).
std::optional<CognitoUser> parse_post_confirmation(std::string_view payload);

/// What the handler needs from the environment.
struct PostConfirmationConfig {
  std::string connection_url;  ///< CONNECTION_URL (required; any libpq URL option works)
  /// Kept free before the deadline to post the result (the statement timeout is the rest).
  std::chrono::milliseconds deadline_margin{200};
};

/// Reads CONNECTION_URL. Throws cruddur::Error("invalid_config") when it is unset and
/// db::MalformedUrl (password redacted) when libpq cannot parse it.
PostConfirmationConfig load_post_confirmation_config(const core::EnvLookup& env);

/// Handles post-confirmation events: inserts the confirmed user with
/// db/sql/users/create_from_cognito.sql and returns the event unchanged, on a LambdaDatabase (one
/// warm connection, replaced when broken, the idempotent insert retried once on a new one, bounded
/// by the invocation's deadline). Not thread-safe.
class PostConfirmationHandler {
 public:
  explicit PostConfirmationHandler(PostConfirmationConfig config);

  /// Returns `invocation.payload` unchanged. Throws cruddur::Error("invalid_event"),
  /// cruddur::Error("deadline_exceeded") when no time is left, or the db::DbError of the failure
  /// (db::ConnectionError when the database cannot be reached, db::QueryCanceled when the
  /// statement ran out of time, db::UniqueViolation when another user holds the handle …).
  std::string operator()(const Invocation& invocation);

 private:
  static void insert(db::Connection& connection, const CognitoUser& user);

  LambdaDatabase database_;
};

}  // namespace cruddur::lambda
