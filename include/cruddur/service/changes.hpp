#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "cruddur/core/asio.hpp"
#include "cruddur/db/catalog.hpp"

namespace cruddur::db {
class Pool;
class ReadRouter;
}  // namespace cruddur::db

namespace cruddur::service {

class FeedCache;

struct ChangesOptions {
  /// How long a writer waits for its own notification to come back before it answers: the other
  /// servers hear it at about the same time, so the next read anywhere sees the write.
  std::chrono::milliseconds echo_wait{250};
  /// How long the start-up probe waits for its notification.
  std::chrono::milliseconds probe_wait{3000};
  /// Between probes that failed.
  std::chrono::milliseconds probe_retry{30000};
};

/// A snapshot for /metrics; readable from any thread.
struct ChangesStats {
  bool hearing = false;             ///< LISTEN confirmed by a probe: other servers' writes arrive
  std::uint64_t heard = 0;          ///< changes heard from other writers (and own, late)
  std::uint64_t own_echoes = 0;     ///< own writes whose notification came back in time
  std::uint64_t echo_timeouts = 0;  ///< own writes answered without their notification
  std::uint64_t unknown = 0;        ///< payloads not understood (everything invalidated)
  std::uint64_t probe_failures = 0;
};

/// What every server does about a committed write — its own, or one it hears on the changes
/// channel: the keys the write changed are invalidated in this process and in a shared cache
/// (FeedCache), and reads that depend on them are routed to the primary until a replica has
/// replayed the write (db::ReadRouter). Reads use replicas only while the channel is confirmed
/// (`listening` sends a probe NOTIFY through the pool and waits for it); after a loss every
/// in-process entry is dropped. Thread-safe; the referenced objects must outlive it.
class Changes {
 public:
  Changes(asio::any_io_executor executor, FeedCache& feeds, db::ReadRouter& reads,
          db::Pool& primary, const db::Catalog& catalog, ChangesOptions options = {});
  ~Changes();
  Changes(const Changes&) = delete;
  Changes& operator=(const Changes&) = delete;

  /// The writer, after its commit, with its statement's `change` column (the payload it
  /// notified): applies it here, then waits (at most `echo_wait`, and only while the channel is
  /// confirmed) for its notification to come back. Never throws a cache error.
  asio::awaitable<void> committed(std::string payload);

  /// The listener's handlers (db::Listener::Handlers).
  void heard(std::string payload);
  void listening();
  void lost();

  /// Stops probing and waiting (idempotent).
  void close();
  [[nodiscard]] ChangesStats stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace cruddur::service
