// A Lambda function's database connection: kept warm, replaced when broken, bounded by deadlines.
#include "cruddur/lambda/lambda_database.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "cruddur/core/error.hpp"
#include "cruddur/db/conninfo.hpp"
#include "cruddur/db/errors.hpp"

namespace cruddur::lambda {
namespace {

using std::chrono::milliseconds;

// Unacknowledged data older than this means the server is gone (Cognito waits 5 s per try).
constexpr const char* kTcpUserTimeoutMs = "5000";

}  // namespace

std::string database_url_from(const core::EnvLookup& env) {
  auto url = env("CONNECTION_URL");
  if (!url) throw Error("invalid_config", "CONNECTION_URL is not set");
  db::ConnInfo parsed(*url);  // throws MalformedUrl, redacted
  spdlog::info("database {}", parsed.display());
  return *url;
}

LambdaDatabase::LambdaDatabase(std::string url, std::string application_name,
                               std::chrono::milliseconds margin)
    : url_(std::move(url)), application_name_(std::move(application_name)), margin_(margin) {}

void LambdaDatabase::run(Clock::time_point deadline,
                         const std::function<void(db::Connection&)>& work) {
  if (connection_ && !connection_->is_ok()) {
    spdlog::warn("the database connection is broken: reconnecting");
    connection_.reset();
  }
  bool reused = connection_.has_value();
  try {
    run_once(deadline, work);
  } catch (const db::ConnectionError& error) {
    connection_.reset();
    if (!reused) throw;
    // A warm container's connection may have died while it was frozen.
    spdlog::warn("the reused database connection failed ({}): retrying on a new one", error.what());
    run_once(deadline, work);
  }
}

milliseconds LambdaDatabase::time_left(Clock::time_point deadline) const {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()) - margin_;
  if (left <= milliseconds::zero()) {
    throw Error("deadline_exceeded", "the invocation ran out of time before its work was saved");
  }
  return left;
}

void LambdaDatabase::run_once(Clock::time_point deadline,
                              const std::function<void(db::Connection&)>& work) {
  if (!connection_) {
    // libpq's connect_timeout is in whole seconds, and it treats 1 as 2.
    auto seconds = std::max<long long>(2, (time_left(deadline).count() + 999) / 1000);
    // statement_timeout cannot fire when the server is unreachable mid-statement (the VPC path
    // broke while the container was frozen); tcp_user_timeout makes the kernel give up instead.
    connection_.emplace(db::Connection::open(url_, {{"connect_timeout", std::to_string(seconds)},
                                                    {"tcp_user_timeout", kTcpUserTimeoutMs},
                                                    {"application_name", application_name_}}));
    spdlog::info("connected to the database (backend {})", connection_->backend_pid());
  }
  connection_->exec_params("SELECT set_config('statement_timeout', $1, false)",
                           {std::to_string(time_left(deadline).count())});
  work(*connection_);
}

}  // namespace cruddur::lambda
