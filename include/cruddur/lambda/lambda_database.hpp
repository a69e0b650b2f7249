#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "cruddur/core/env.hpp"
#include "cruddur/db/connection.hpp"

namespace cruddur::lambda {

/// CONNECTION_URL, logged without its password. Throws cruddur::Error("invalid_config") when it
/// is unset and db::MalformedUrl (password redacted) when libpq cannot parse it.
std::string database_url_from(const core::EnvLookup& env);

/// The database connection of a Lambda function: one connection kept for the warm container's
/// later invocations, every use bounded by the invocation's deadline (connect timeout, then
/// `statement_timeout` = the time left minus a margin). A connection found broken is replaced,
/// and work that fails because a reused connection died (it may have been frozen with the
/// container) is run once more on a new one, so the work must be idempotent. Not thread-safe.
class LambdaDatabase {
 public:
  using Clock = std::chrono::system_clock;

  /// `url` is any libpq URL; `application_name` names the function's sessions; `margin` is kept
  /// free before the deadline to post the result.
  LambdaDatabase(std::string url, std::string application_name, std::chrono::milliseconds margin);

  /// Runs `work` on the connection. Throws cruddur::Error("deadline_exceeded") when no time is
  /// left, or the db::DbError of the failure (db::ConnectionError when the database cannot be
  /// reached, db::QueryCanceled when the work ran out of time), or what `work` throws.
  void run(Clock::time_point deadline, const std::function<void(db::Connection&)>& work);

 private:
  void run_once(Clock::time_point deadline, const std::function<void(db::Connection&)>& work);
  [[nodiscard]] std::chrono::milliseconds time_left(Clock::time_point deadline) const;

  std::string url_;
  std::string application_name_;
  std::chrono::milliseconds margin_;
  std::optional<db::Connection> connection_;
};

}  // namespace cruddur::lambda
