#pragma once
// The running server's state, built once by main and passed down by reference.

#include "cruddur/core/config.hpp"

namespace cruddur::app {

/// Runs `cruddur serve` until SIGINT or SIGTERM: HTTP on HOST:PORT with THREADS io threads.
/// Returns the process exit code; start-up failures throw cruddur::Error.
int serve(const core::Config& config, bool prod);

}  // namespace cruddur::app
