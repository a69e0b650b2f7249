// Blocking libpq connection and result wrappers for tools (the server uses the async pool).
#include "cruddur/db/connection.hpp"

#include <fmt/format.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "cruddur/db/conninfo.hpp"
#include "cruddur/db/errors.hpp"
#include "pg_handles.hpp"

namespace cruddur::db {

Result::Result(pg_result* result) : result_(result, [](pg_result* r) { PQclear(r); }) {}

int Result::rows() const {
  return PQntuples(result_.get());
}
int Result::columns() const {
  return PQnfields(result_.get());
}
bool Result::is_null(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) != 0;
}
std::string_view Result::value(int row, int column) const {
  return {PQgetvalue(result_.get(), row, column),
          static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
}
std::string Result::column_name(int column) const {
  return PQfname(result_.get(), column);
}

long Result::affected_rows() const {
  const char* tuples = PQcmdTuples(result_.get());
  return tuples == nullptr || *tuples == '\0' ? 0 : std::stol(tuples);
}

std::string_view Result::one_field() const {
  if (rows() != 1 || columns() != 1) {
    throw CardinalityError(fmt::format("expected one row of one column, got {} rows of {} columns",
                                       rows(), columns()));
  }
  return value(0, 0);
}

namespace {

// Server notices such as "relation … already exists, skipping" are noise for tools; warnings are
// not, so they go to stderr.
void report_warnings(void*, const PGresult* notice) {
  const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
  if (severity != nullptr && std::string_view(severity) == "WARNING") {
    std::fputs(PQresultErrorMessage(notice), stderr);
  }
}

// The connection's connect_timeout in seconds (libpq treats 1 as 2), 0 when none.
int connect_timeout_of(const PGconn* conn) {
  PgConninfoPtr options(PQconninfo(const_cast<PGconn*>(conn)));
  for (auto* option = options.get(); option != nullptr && option->keyword != nullptr; ++option) {
    if (std::string_view(option->keyword) != "connect_timeout" || option->val == nullptr) continue;
    int seconds = std::atoi(option->val);
    return seconds <= 0 ? 0 : std::max(seconds, 2);
  }
  return 0;
}

// Drives libpq's connection state machine to the end, as PQconnectdbParams does, but keeps what
// libpq tells about a failure besides its words (the failing phase, the server's SQLSTATE). The
// connect_timeout bounds the whole attempt (libpq applies it to each host in turn).
PgConnPtr connect_blocking(const char* const* keywords, const char* const* values) {
  PgConnPtr conn(PQconnectStartParams(keywords, values, 1));
  if (!conn || PQstatus(conn.get()) == CONNECTION_BAD) {
    throw_connect_failure(conn.get(), CONNECTION_BAD);
  }
  PQsetErrorVerbosity(conn.get(), PQERRORS_VERBOSE);
  auto timeout = connect_timeout_of(conn.get());
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout);
  auto polling = PGRES_POLLING_WRITING;
  while (polling != PGRES_POLLING_OK) {
    pollfd watched{PQsocket(conn.get()),
                   static_cast<short>(polling == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
    int wait_ms = -1;
    if (timeout > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      wait_ms = static_cast<int>(std::max<long long>(0, left.count()));
    }
    int ready = ::poll(&watched, 1, wait_ms);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      throw ConnectionError(fmt::format("connection to server failed: timeout expired after {} s "
                                        "(connect_timeout)",
                                        timeout),
                            {}, ConnectFailure::unreachable);
    }
    auto phase = PQstatus(conn.get());
    polling = PQconnectPoll(conn.get());
    if (polling == PGRES_POLLING_FAILED) throw_connect_failure(conn.get(), phase);
  }
  PQsetErrorVerbosity(conn.get(), PQERRORS_DEFAULT);
  return conn;
}

}  // namespace

Connection::Connection(pg_conn* conn) : conn_(conn, [](pg_conn* c) { PQfinish(c); }) {
  if (conn != nullptr) PQsetNoticeReceiver(conn, report_warnings, nullptr);
}

Connection Connection::open(const std::string& url, const ConnectOverrides& overrides) {
  ConnInfo parsed(url);  // throws MalformedUrl with a redacted message
  std::vector<const char*> keywords{"dbname"};
  std::vector<const char*> values{url.c_str()};
  for (const auto& [key, value] : overrides) {
    keywords.push_back(key.c_str());
    values.push_back(value.c_str());
  }
  keywords.push_back(nullptr);
  values.push_back(nullptr);
  return Connection(connect_blocking(keywords.data(), values.data()).release());
}

Result Connection::check(pg_result* result) {
  PgResultPtr owned(result);
  check_result(owned.get(), conn_.get());
  return Result(owned.release());
}

Result Connection::exec(const std::string& sql) {
  // PQexec returns only the last result of a multi-statement string; earlier errors abort it.
  return check(PQexec(conn_.get(), sql.c_str()));
}

Result Connection::exec_params(const std::string& sql,
                               const std::vector<std::optional<std::string>>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& param : params) values.push_back(param ? param->c_str() : nullptr);
  return check(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                            values.data(), nullptr, nullptr, 0));
}

std::string Connection::quote_identifier(std::string_view name) const {
  PgMemoryPtr quoted(PQescapeIdentifier(conn_.get(), name.data(), name.size()));
  if (!quoted)
    throw SqlError(fmt::format("cannot quote identifier: {}", PQerrorMessage(conn_.get())));
  return quoted.get();
}

bool Connection::is_ok() const {
  return PQstatus(conn_.get()) == CONNECTION_OK;
}
int Connection::backend_pid() const {
  return PQbackendPID(conn_.get());
}

ScopedTransaction::ScopedTransaction(Connection& connection) : connection_(connection) {
  connection_.exec("BEGIN");
}

ScopedTransaction::~ScopedTransaction() {
  if (!open_ || !connection_.is_ok()) return;
  try {
    connection_.exec("ROLLBACK");
  } catch (const DbError&) {
    // The connection broke mid-transaction: the server has rolled it back already.
  }
}

void ScopedTransaction::commit() {
  open_ = false;
  connection_.exec("COMMIT");
}

PingStatus ping(const std::string& url, int connect_timeout_seconds) {
  ConnInfo parsed(url);  // throws MalformedUrl
  auto timeout = std::to_string(connect_timeout_seconds);
  const char* keywords[] = {"dbname", "connect_timeout", nullptr};
  const char* values[] = {url.c_str(), timeout.c_str(), nullptr};
  switch (PQpingParams(keywords, values, 1)) {
    case PQPING_OK:
      return PingStatus::ok;
    case PQPING_REJECT:
      return PingStatus::rejecting;
    case PQPING_NO_RESPONSE:
      return PingStatus::unreachable;
    case PQPING_NO_ATTEMPT:
      break;
  }
  return PingStatus::bad_parameters;
}

}  // namespace cruddur::db
