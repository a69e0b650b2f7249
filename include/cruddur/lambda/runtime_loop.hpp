#pragma once

#include <exception>
#include <functional>
#include <string>

#include "cruddur/core/env.hpp"
#include "cruddur/lambda/runtime_client.hpp"

namespace cruddur::lambda {

/// Handles one event: returns the response body, or throws (cruddur::Error for expected
/// failures) to report a function error. Called on the loop's thread, one event at a time.
using Handler = std::function<std::string(const Invocation&)>;

/// The error document for a caught exception: `errorType` is the PascalCase form of a
/// cruddur::Error's code (`db_unavailable` → `DbUnavailable`), `InternalError` for anything else;
/// `errorMessage` is `what()` (secret-free by the project's rule).
ErrorReport error_report(const std::exception& error);

/// The custom-runtime loop: next → handler → response or error, forever. Sets `_X_AMZN_TRACE_ID`
/// to each invocation's trace id while its handler runs (unset when it has none). Returns 1 when
/// the Runtime API itself fails (the sandbox is going away), which `main` uses as exit code.
int run_runtime_loop(RuntimeClient& client, const Handler& handler);

/// Builds a function's handler from the environment; throws when the settings cannot work.
using HandlerFactory = std::function<Handler(const core::EnvLookup& env)>;

/// The whole of a function's `bootstrap` (its `main` returns this): checks AWS_LAMBDA_RUNTIME_API,
/// sets up libcurl and the Runtime API client, reads the configuration and logging settings,
/// builds the handler with `make_handler` — a failure there is posted to /runtime/init/error —
/// and runs the loop. Returns the process exit code (1 when it cannot start or the Runtime API
/// fails).
int run_bootstrap(const HandlerFactory& make_handler);

}  // namespace cruddur::lambda
