#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cruddur/cache/cache.hpp"
#include "cruddur/core/asio.hpp"

namespace cruddur::cache {

/// A snapshot for /metrics; readable from any thread.
struct RetryStats {
  std::size_t pending = 0;      ///< keys waiting for a successful delete
  std::uint64_t retried = 0;    ///< keys deleted by a retry
  std::uint64_t abandoned = 0;  ///< keys given up when their TTL had passed (the entry expired)
};

/// Deletes that failed after a write (a shared cache unreachable or slow), retried in the
/// background until they succeed or the cache's TTL has passed since the failure — by then any
/// entry they aimed at has expired. A key added again extends its deadline. Retries start 100 ms
/// after a failure and back off to 2 s while the cache keeps failing; keys go in batches of at
/// most 100. Thread-safe. Must be closed (or destroyed) before its io_context is; `cache` must
/// outlive it.
class InvalidationRetry {
 public:
  InvalidationRetry(asio::any_io_executor executor, Cache& cache, std::chrono::seconds ttl);
  ~InvalidationRetry();
  InvalidationRetry(const InvalidationRetry&) = delete;
  InvalidationRetry& operator=(const InvalidationRetry&) = delete;

  /// Deletes `keys` later (from now until the TTL has passed).
  void add(std::vector<std::string> keys);
  /// Stops retrying (idempotent); what is pending is dropped.
  void close();
  [[nodiscard]] RetryStats stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace cruddur::cache
