// The AWS credentials chain: environment (and Lambda's), then the ECS container endpoint, cached
// and refreshed before expiry.
#include "cruddur/aws/credentials_provider.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cruddur/aws/aws_error.hpp"
#include "cruddur/net/errors.hpp"
#include "cruddur/net/http_client.hpp"

namespace cruddur::aws {
namespace {

constexpr const char* kEcsHost = "http://169.254.170.2";

// `YYYY-MM-DDTHH:MM:SS[.fff]Z`; nullopt when it is not that.
std::optional<std::chrono::system_clock::time_point> parse_expiration(const std::string& text) {
  std::tm utc{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &utc.tm_year, &utc.tm_mon,
                  &utc.tm_mday, &utc.tm_hour, &utc.tm_min, &utc.tm_sec, &consumed)
          != 6
      || consumed < 19) {
    return std::nullopt;
  }
  utc.tm_year -= 1900;
  utc.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(timegm(&utc));
}

// Emulators check no key unless told to, but route by the signed service name.
Credentials dummy_credentials() {
  Credentials credentials;
  credentials.access_key_id = "cruddur-local";
  credentials.secret_access_key = "cruddur-local";
  credentials.source = "dummy (emulator)";
  return credentials;
}

AwsError unavailable(const std::string& message) {
  return AwsError("aws_unavailable", "CredentialsUnavailable", 0, message);
}

}  // namespace

CredentialsProvider::CredentialsProvider(net::HttpClient& http, core::EnvLookup env,
                                         CredentialsOptions options)
    : http_(http), env_(std::move(env)), options_(std::move(options)) {}

bool CredentialsProvider::fresh(const Credentials& credentials) const {
  return !credentials.expiration
         || options_.now() + options_.refresh_before < *credentials.expiration;
}

std::optional<Credentials> CredentialsProvider::from_environment() const {
  auto key = env_("AWS_ACCESS_KEY_ID");
  auto secret = env_("AWS_SECRET_ACCESS_KEY");
  if (!key || !secret) return std::nullopt;
  Credentials credentials;
  credentials.access_key_id = *key;
  credentials.secret_access_key = *secret;
  credentials.session_token = env_("AWS_SESSION_TOKEN");
  credentials.source = env_("AWS_LAMBDA_FUNCTION_NAME") ? "lambda environment" : "environment";
  return credentials;
}

asio::awaitable<Credentials> CredentialsProvider::from_container(const std::string& url) const {
  net::Headers headers;  // not a braced list: g++ 12 miscompiles those in coroutines
  std::optional<std::string> token = env_("AWS_CONTAINER_AUTHORIZATION_TOKEN");
  if (auto file = env_("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
    std::ifstream in(*file);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in) throw unavailable("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE " + *file);
    token = text.str();
    while (!token->empty() && (token->back() == '\n' || token->back() == '\r')) token->pop_back();
  }
  if (token) headers.emplace_back("Authorization", *token);
  net::HttpResult result;
  try {
    result = co_await http_.request("GET", url, std::move(headers), {}, options_.fetch_timeout);
  } catch (const net::NetError& error) {
    throw unavailable(std::string("the container credentials endpoint failed: ") + error.what());
  }
  if (result.status != 200) {
    throw unavailable("the container credentials endpoint answered "
                      + std::to_string(result.status));
  }
  auto body = nlohmann::json::parse(result.body, nullptr, false);
  if (!body.is_object() || !body.contains("AccessKeyId") || !body.contains("SecretAccessKey")
      || !body["AccessKeyId"].is_string() || !body["SecretAccessKey"].is_string()) {
    throw unavailable("the container credentials endpoint sent no credentials");
  }
  Credentials credentials;
  credentials.access_key_id = body["AccessKeyId"].get<std::string>();
  credentials.secret_access_key = body["SecretAccessKey"].get<std::string>();
  if (body.contains("Token") && body["Token"].is_string()) {
    credentials.session_token = body["Token"].get<std::string>();
  }
  if (body.contains("Expiration") && body["Expiration"].is_string()) {
    credentials.expiration = parse_expiration(body["Expiration"].get<std::string>());
    if (!credentials.expiration) {
      throw unavailable("the container credentials endpoint sent an unreadable Expiration");
    }
  }
  credentials.source = "container";
  co_return credentials;
}

asio::awaitable<Credentials> CredentialsProvider::get() {
  std::optional<Credentials> current;
  {
    std::lock_guard lock(mutex_);
    current = cached_;
  }
  if (current && fresh(*current)) co_return *current;
  if (!current) {
    if (auto environment = from_environment()) {
      std::lock_guard lock(mutex_);
      cached_ = environment;
      co_return *environment;
    }
  }
  std::optional<std::string> url;
  if (auto relative = env_("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
    url = kEcsHost + *relative;
  } else if (auto full = env_("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    url = *full;
  }
  if (!url) {
    if (options_.dummy_when_emulated) {
      auto dummy = dummy_credentials();
      std::lock_guard lock(mutex_);
      cached_ = dummy;
      co_return dummy;
    }
    throw AwsError("aws_no_credentials", "NoCredentials", 0,
                   "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run "
                   "where the ECS container credentials endpoint is set");
  }
  // Still valid but due for a refresh: one caller refreshes, the others go on with these.
  bool still_valid = current && current->expiration && options_.now() < *current->expiration;
  if (still_valid && refreshing_.exchange(true)) co_return *current;
  try {
    auto fetched = co_await from_container(*url);
    spdlog::info("AWS credentials from the container endpoint (key {}), valid for {} s",
                 fetched.access_key_id,
                 fetched.expiration ? std::chrono::duration_cast<std::chrono::seconds>(
                                          *fetched.expiration - options_.now())
                                          .count()
                                    : -1);
    std::lock_guard lock(mutex_);
    cached_ = fetched;
    refreshing_ = false;
    co_return fetched;
  } catch (const AwsError& error) {
    refreshing_ = false;
    if (!still_valid) throw;
    spdlog::warn("refreshing AWS credentials failed, using the current ones until they expire: {}",
                 error.what());
  }
  co_return *current;
}

}  // namespace cruddur::aws
