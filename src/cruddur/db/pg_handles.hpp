#pragma once
// Private to the db layer: RAII for libpq handles and the PGresult → exception check.

#include <libpq-fe.h>

#include <memory>

namespace cruddur::db {

struct PgConnDeleter {
  void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};
struct PgResultDeleter {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};
struct PgConninfoDeleter {
  void operator()(PQconninfoOption* options) const noexcept { PQconninfoFree(options); }
};
struct PgFreeDeleter {
  void operator()(void* memory) const noexcept { PQfreemem(memory); }
};

using PgConnPtr = std::unique_ptr<PGconn, PgConnDeleter>;
using PgResultPtr = std::unique_ptr<PGresult, PgResultDeleter>;
using PgConninfoPtr = std::unique_ptr<PQconninfoOption, PgConninfoDeleter>;
using PgMemoryPtr = std::unique_ptr<char, PgFreeDeleter>;

/// Throws the typed DbError described by a failed `result` (or by `conn` when result is null).
/// Returns normally when the result's status is a success status.
void check_result(const PGresult* result, const PGconn* conn);

/// The connection error of `conn` (message trimmed, classified, no password).
[[noreturn]] void throw_connection_error(const PGconn* conn);

/// The error of a failed connection attempt. `phase` is PQstatus before the PQconnectPoll that
/// failed (CONNECTION_BAD when PQconnectStart itself failed). Classified by what libpq tells
/// besides words where it can: PQconnectionNeedsPassword, the server's SQLSTATE (read from the
/// verbose message: set PQERRORS_VERBOSE while connecting), the phase; by the message otherwise.
/// The message is written as the default verbosity writes it, never with a password.
[[noreturn]] void throw_connect_failure(const PGconn* conn, ConnStatusType phase);

}  // namespace cruddur::db
