// The Lambda custom-runtime `bootstrap` of the messages stream's metrics (an event source mapping
// on the DynamoDB stream of the messages table).
#include <chrono>
#include <memory>

#include "cruddur/lambda/lambda_database.hpp"
#include "cruddur/lambda/runtime_loop.hpp"
#include "cruddur/lambda/stream_metrics.hpp"

namespace lambda = cruddur::lambda;

namespace {

// Kept free before the deadline to post the result.
constexpr std::chrono::milliseconds kDeadlineMargin{200};

}  // namespace

int main() {
  return lambda::run_bootstrap([](const cruddur::core::EnvLookup& env) -> lambda::Handler {
    auto handler = std::make_shared<lambda::StreamMetricsHandler>(lambda::LambdaDatabase(
        lambda::database_url_from(env), lambda::kStreamMetricsApplicationName, kDeadlineMargin));
    return [handler](const lambda::Invocation& invocation) { return (*handler)(invocation); };
  });
}
