#pragma once

#include <chrono>
#include <string>

#include "cruddur/core/config.hpp"

namespace cruddur::metricsctl {

/// What `cruddur metrics` works on.
struct Target {
  std::string url;  ///< the database
  bool prod = false;
};

struct SyncFlags {
  bool follow = false;
  unsigned batch_size = 1000;
  std::chrono::seconds lease{60};
};

/// `cruddur metrics show`: the numbers of GET /api/admin/metrics as a table on stdout. Throws
/// the DbError of a failure.
void show(const core::Config& config, const Target& target);

/// `cruddur metrics sync`: one pass (or `follow` until SIGTERM/SIGINT) on an io_context with the
/// async pool and the async AWS client; a summary line on stderr. Throws what stopped it.
void sync(const core::Config& config, const Target& target, const SyncFlags& flags);

}  // namespace cruddur::metricsctl
