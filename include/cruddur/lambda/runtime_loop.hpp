#pragma once

#include <exception>
#include <functional>
#include <string>

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

}  // namespace cruddur::lambda
