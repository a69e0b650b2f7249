// The Lambda custom-runtime `bootstrap` of the messages stream's metrics (an event source mapping
// on the DynamoDB stream of the messages table).
#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>
#include <functional>
#include <optional>

#include "cruddur/core/config.hpp"
#include "cruddur/core/env.hpp"
#include "cruddur/core/log.hpp"
#include "cruddur/lambda/runtime_client.hpp"
#include "cruddur/lambda/runtime_loop.hpp"
#include "cruddur/lambda/stream_metrics.hpp"

namespace lambda = cruddur::lambda;

namespace {

// Kept free before the deadline to post the result.
constexpr std::chrono::milliseconds kDeadlineMargin{200};

// Settings that cannot be read are reported to Lambda as an init error.
std::optional<lambda::StreamMetricsHandler> init(lambda::RuntimeClient& client) {
  auto env = cruddur::core::process_env();
  try {
    auto config = cruddur::core::load_config(env);
    cruddur::core::init_logging(config.log_format, config.log_level);
    return lambda::StreamMetricsHandler(lambda::LambdaDatabase(
        lambda::database_url_from(env), lambda::kStreamMetricsApplicationName, kDeadlineMargin));
  } catch (const std::exception& error) {
    auto report = lambda::error_report(error);
    spdlog::critical("cannot start: {}: {}", report.type, report.message);
    client.post_init_error(report);
    return std::nullopt;
  }
}

}  // namespace

int main() {
  try {
    auto endpoint = cruddur::core::process_env()("AWS_LAMBDA_RUNTIME_API");
    if (!endpoint) {
      std::fputs("AWS_LAMBDA_RUNTIME_API is not set: this program runs inside AWS Lambda\n",
                 stderr);
      return 1;
    }
    lambda::CurlGlobal curl;
    lambda::RuntimeClient client(*endpoint);
    auto handler = init(client);
    if (!handler) return 1;
    return lambda::run_runtime_loop(client, std::ref(*handler));
  } catch (const std::exception& error) {
    spdlog::critical("stopping: {}", error.what());
    return 1;
  }
}
