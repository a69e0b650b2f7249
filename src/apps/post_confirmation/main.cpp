// The Lambda custom-runtime `bootstrap` of the Cognito post-confirmation trigger.
#include <memory>

#include "cruddur/lambda/post_confirmation.hpp"
#include "cruddur/lambda/runtime_loop.hpp"

namespace lambda = cruddur::lambda;

int main() {
  return lambda::run_bootstrap([](const cruddur::core::EnvLookup& env) -> lambda::Handler {
    auto handler = std::make_shared<lambda::PostConfirmationHandler>(
        lambda::load_post_confirmation_config(env));
    return [handler](const lambda::Invocation& invocation) { return (*handler)(invocation); };
  });
}
