// The AWS JSON-protocol client: signing, bounded attempts, full-jitter backoff, typed errors.
#include "cruddur/aws/aws_client.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "cruddur/aws/aws_error.hpp"
#include "cruddur/aws/sigv4.hpp"
#include "cruddur/net/errors.hpp"
#include "cruddur/net/http_client.hpp"
#include "cruddur/net/url.hpp"

namespace cruddur::aws {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// AWS's own message, cut to its first sentence and to printable ASCII: some messages (a
// signature mismatch) go on to quote the canonical request, which holds the session token.
std::string first_sentence(std::string_view message) {
  constexpr std::size_t kMax = 160;
  std::string out;
  for (std::size_t i = 0; i < message.size() && out.size() < kMax; ++i) {
    char c = message[i];
    if (c == '\n' || c == '\r') break;
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
    if (c == '.' && (i + 1 == message.size() || message[i + 1] == ' ')) break;
  }
  return out;
}

std::string json_string(const nlohmann::json& object, const char* name) {
  auto found = object.find(name);
  if (found == object.end() || !found->is_string()) return {};
  return found->get<std::string>();
}

// The AwsError of a non-200 answer; TransactionCanceled keeps its reasons.
[[noreturn]] void throw_answer_error(const std::string& operation, const net::HttpResult& result) {
  auto body = nlohmann::json::parse(result.body, nullptr, false);
  std::string type;
  std::string message;
  if (body.is_object()) {
    type = json_string(body, "__type");
    message = json_string(body, "message");
    if (message.empty()) message = json_string(body, "Message");
  }
  if (auto hash = type.rfind('#'); hash != std::string::npos) type = type.substr(hash + 1);
  if (type.empty()) type = result.status >= 500 ? "ServiceUnavailable" : "UnknownError";
  auto text = operation + " failed: " + type + " (HTTP " + std::to_string(result.status) + ")";
  if (!message.empty()) text += ": " + first_sentence(message);
  if (type == "TransactionCanceledException") {
    std::vector<CancellationReason> reasons;
    if (auto found = body.find("CancellationReasons"); found != body.end() && found->is_array()) {
      for (const auto& reason : *found) {
        if (!reason.is_object()) continue;
        reasons.push_back(
            {json_string(reason, "Code"), first_sentence(json_string(reason, "Message"))});
      }
    }
    throw TransactionCanceled(result.status, text, std::move(reasons));
  }
  throw AwsError(error_code_for(type, result.status), type, result.status, text);
}

bool retryable(const AwsError& error) {
  return error.code() == "aws_throttled" || error.code() == "aws_unavailable";
}

milliseconds full_jitter(const AwsClientOptions& options, unsigned attempt) {
  thread_local std::mt19937_64 random{std::random_device{}()};
  auto ceiling = options.backoff_base.count() << std::min(attempt, 20u);
  ceiling = std::min<long>(ceiling, options.backoff_cap.count());
  std::uniform_int_distribution<long> pick(0, std::max<long>(ceiling, 0));
  return milliseconds(pick(random));
}

// The headers of one attempt, signed when there are credentials (a plain function: braced lists
// inside coroutines are miscompiled by g++ 12).
net::Headers request_headers(const AwsService& service, const std::string& target,
                             const net::Url& url, const std::string& payload_hash,
                             const std::optional<Credentials>& credentials,
                             const std::string& region) {
  net::Headers headers{{"Content-Type", "application/x-amz-json-" + service.json_version},
                       {"X-Amz-Target", target}};
  if (!credentials) return headers;
  auto question = url.target.find('?');
  sigv4::Request request;
  request.method = "POST";
  request.path = url.target.substr(0, question);
  if (question != std::string::npos) request.query = url.target.substr(question + 1);
  request.headers = headers;
  request.headers.emplace_back("Host", url.host_header());
  request.payload_hash = payload_hash;
  sigv4::Options signing;
  signing.region = region;
  signing.service = service.signing_name;
  signing.time = std::chrono::system_clock::now();
  auto signature = sigv4::sign(request, *credentials, signing);
  headers = std::move(request.headers);
  std::erase_if(headers, [](const auto& header) { return header.first == "Host"; });
  headers.emplace_back("Authorization", std::move(signature.authorization));
  return headers;
}

}  // namespace

const AwsService& dynamodb_service() {
  static const AwsService service{"dynamodb", "dynamodb", "DynamoDB_20120810", "1.0"};
  return service;
}

const AwsService& dynamodb_streams_service() {
  static const AwsService service{"dynamodb", "streams.dynamodb", "DynamoDBStreams_20120810",
                                  "1.0"};
  return service;
}

const AwsService& cognito_idp_service() {
  static const AwsService service{"cognito-idp", "cognito-idp", "AWSCognitoIdentityProviderService",
                                  "1.1"};
  return service;
}

AwsClientOptions AwsClientOptions::from_config(const core::Config& config,
                                               const core::EnvLookup& env) {
  AwsClientOptions options;
  if (config.aws_region) {
    options.region = *config.aws_region;
  } else if (auto region = env("AWS_REGION")) {
    options.region = *region;
  }
  options.endpoint_url = config.aws_endpoint_url;
  const std::pair<const char*, const char*> overrides[] = {
      {"AWS_ENDPOINT_URL_DYNAMODB", "dynamodb"},
      {"AWS_ENDPOINT_URL_DYNAMODB_STREAMS", "streams.dynamodb"},
      {"AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER", "cognito-idp"}};
  for (const auto& [variable, prefix] : overrides) {
    if (auto url = env(variable)) options.service_endpoints[prefix] = *url;
  }
  return options;
}

AwsClient::AwsClient(asio::any_io_executor executor, AwsClientOptions options, core::EnvLookup env,
                     CredentialsOptions credentials)
    : executor_(std::move(executor)), options_(std::move(options)) {
  net::HttpClientOptions http;
  http.max_idle_per_host = options_.max_idle_connections;
  http_ = std::make_unique<net::HttpClient>(executor_, http);
  if (options_.emulated()) credentials.dummy_when_emulated = true;
  credentials_ = std::make_unique<CredentialsProvider>(*http_, std::move(env), credentials);
}

AwsClient::~AwsClient() = default;

void AwsClient::close() {
  http_->close_idle();
}

AwsClientStats AwsClient::stats() const {
  return {counters_.calls.load(), counters_.attempts.load(), counters_.retries_throttled.load(),
          counters_.retries_server.load(), counters_.failures.load()};
}

std::string AwsClient::endpoint(const AwsService& service) const {
  auto own = options_.service_endpoints.find(service.endpoint_prefix);
  if (own != options_.service_endpoints.end() || options_.endpoint_url) {
    auto url = own != options_.service_endpoints.end() ? own->second : *options_.endpoint_url;
    if (url.find('/', url.find("//") + 2) == std::string::npos) url += "/";
    return url;
  }
  return "https://" + service.endpoint_prefix + "." + options_.region + ".amazonaws.com/";
}

asio::awaitable<nlohmann::json> AwsClient::call(const AwsService& service, std::string operation,
                                                std::string body, CallOptions call_options) {
  ++counters_.calls;
  auto budget = std::min(options_.budget, call_options.budget.value_or(options_.budget));
  auto deadline = Clock::now() + budget;
  auto url = endpoint(service);
  auto parsed = net::parse_url(url);
  auto target = service.target_prefix + "." + operation;
  auto payload_hash = sigv4::sha256_hex(body);
  asio::steady_timer timer(executor_);
  std::optional<AwsError> last;
  for (unsigned attempt = 1;; ++attempt) {
    auto remaining = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    if (remaining <= milliseconds(0)) break;
    std::optional<Credentials> credentials;
    if (call_options.sign) credentials = co_await credentials_->get();
    auto headers =
        request_headers(service, target, parsed, payload_hash, credentials, options_.region);
    ++counters_.attempts;
    auto timeout = std::min(options_.attempt_timeout, remaining);
    std::optional<net::HttpResult> result;
    try {
      result = co_await http_->request("POST", url, std::move(headers), body, timeout);
    } catch (const net::NetError& error) {
      auto type = error.code() == "timeout" ? "RequestTimeout" : "NetworkError";
      last.emplace("aws_unavailable", type, 0, operation + " failed: " + error.what());
    }
    if (result && result->status == 200) {
      if (result->body.empty()) co_return nlohmann::json::object();
      auto answer = nlohmann::json::parse(result->body, nullptr, false);
      if (answer.is_discarded()) {
        ++counters_.failures;
        throw AwsError("aws_unavailable", "InvalidResponse", 200,
                       operation + " failed: the answer is not JSON");
      }
      co_return answer;
    }
    if (result) {
      try {
        throw_answer_error(operation, *result);
      } catch (const AwsError& error) {
        if (!retryable(error)) {
          ++counters_.failures;
          throw;
        }
        last.emplace(error.code(), error.type(), error.status(), error.what());
      }
    }
    if (attempt >= options_.max_attempts) break;
    auto wait = full_jitter(options_, attempt - 1);
    if (Clock::now() + wait >= deadline) break;
    if (last->code() == "aws_throttled") {
      ++counters_.retries_throttled;
    } else {
      ++counters_.retries_server;
    }
    spdlog::debug("AWS {}: {}; retry {} in {} ms", operation, last->type(), attempt, wait.count());
    timer.expires_after(wait);
    co_await timer.async_wait(asio::use_awaitable);
  }
  ++counters_.failures;
  if (!last) {
    throw AwsError("aws_unavailable", "RequestTimeout", 0,
                   operation + " failed: no attempt fitted in the time budget");
  }
  throw AwsError(last->code(), last->type(), last->status(),
                 std::string(last->what()) + " (after " + std::to_string(options_.max_attempts)
                     + " attempt(s) at most, within " + std::to_string(budget.count()) + " ms)");
}

}  // namespace cruddur::aws
