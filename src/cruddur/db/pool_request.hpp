#pragma once
// Private to the db layer: a request to the Pool, what answers it, and who waits for the answer.

#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>

#include "cruddur/db/catalog.hpp"
#include "cruddur/db/pool.hpp"
#include "pg_handles.hpp"

namespace cruddur::db {

using Clock = std::chrono::steady_clock;

class PoolConnection;

/// What a finished request hands back to its caller.
struct Reply {
  std::optional<std::string> text;
  long affected = 0;
  RowSet rows;
  std::shared_ptr<PoolConnection> lease;  ///< for lease requests
};

/// A caller waiting for a Reply. complete() is called exactly once, on the pool's strand; it hands
/// the Reply over to the caller's own executor and returns without running any of the caller's
/// code (the strand must not wait for callers).
class Completion {
 public:
  virtual ~Completion() = default;
  virtual void complete(std::exception_ptr error, Reply reply) = 0;
};

struct Request {
  enum class Kind {
    statement,  ///< a catalog statement (prepared, or unnamed after a prelude)
    command,    ///< a fixed command without parameters (BEGIN, COMMIT, the liveness check)
    lease,      ///< waits in the queue for an exclusive connection
    setup,      ///< internal: PQsendPrepare of the whole catalog
  };
  Kind kind = Kind::statement;
  std::size_t statement = 0;
  const char* command = nullptr;
  Params params;
  Returns returns = Returns::none;
  std::unique_ptr<Completion> completion;  ///< null for internal requests
  std::shared_ptr<PoolConnection> target;  ///< transaction requests skip the queue
  Clock::time_point deadline;              ///< of the wait in the pool's queue
  /// Reads sent into a pipeline: the caller gets QueryCanceled at this time even if the statement
  /// is still queued behind others on the connection; its result is dropped when it comes.
  /// Unset (epoch) for everything else.
  Clock::time_point answer_by;

  /// Results of statements sent before this one in the same implicit transaction (the unprepared
  /// mode's settings), still to be skipped.
  std::size_t prelude_results = 0;
  PgResultPtr result;         ///< the first result of the statement (or of a failed prelude)
  std::size_t results = 0;    ///< results seen (setup: one per prepared statement)
  std::size_t failed_at = 0;  ///< setup: index of the first statement that failed to prepare
};

/// Completes `request` with `error` (no-op for internal requests).
void fail_request(Request& request, std::exception_ptr error);

}  // namespace cruddur::db
