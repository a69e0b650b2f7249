// The one SQLSTATE → exception mapping, and libpq result checking.
#include "cruddur/db/errors.hpp"

#include <algorithm>
#include <string_view>

#include "cruddur/core/redact.hpp"
#include "pg_handles.hpp"

namespace cruddur::db {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string trimmed(const char* text) {
  std::string out = text == nullptr ? "" : text;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return core::redact_url(out);
}

bool contains(const std::string& text, std::string_view needle) {
  return text.find(needle) != std::string::npos;
}

// The SQLSTATE of a server's refusal in libpq's verbose message, `FATAL:  28P01: …` (severity,
// two spaces, the five-character code, a colon); empty when the message has none (libpq's own
// failures carry none).
std::string sqlstate_in(std::string_view message) {
  for (auto at = message.find(":  "); at != std::string_view::npos;
       at = message.find(":  ", at + 1)) {
    auto code = message.substr(at + 3, 6);
    bool is_code = code.size() == 6 && code[5] == ':'
                   && std::all_of(code.begin(), code.begin() + 5, [](char c) {
                        return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
                      });
    if (is_code) return std::string(code.substr(0, 5));
  }
  return {};
}

// A verbose message as the default verbosity writes it: without the SQLSTATE after the severity
// and without the server's LOCATION line.
std::string without_verbose_fields(const std::string& message, const std::string& sqlstate) {
  std::string out = message;
  if (auto at = out.find(":  " + sqlstate + ": "); at != std::string::npos) {
    out.erase(at + 3, sqlstate.size() + 2);
  }
  for (auto at = out.find("\nLOCATION:  "); at != std::string::npos;
       at = out.find("\nLOCATION:  ", at)) {
    auto end = out.find('\n', at + 1);
    out.erase(at, end == std::string::npos ? std::string::npos : end - at);
  }
  return out;
}

// What libpq says besides its words, first: a password it needed and lacked, the server's
// SQLSTATE, the phase the attempt died in. The message only where none of these tells.
ConnectFailure classify(const PGconn* conn, ConnStatusType phase, const std::string& sqlstate,
                        const std::string& message) {
  if (PQconnectionNeedsPassword(conn) != 0 || starts_with(sqlstate, "28")) {
    return ConnectFailure::auth_failed;
  }
  if (sqlstate == "3D000") return ConnectFailure::database_missing;
  if (sqlstate == "53300") return ConnectFailure::too_many;
  if (sqlstate == "57P03") return ConnectFailure::unreachable;  // starting up or shutting down
  if (!sqlstate.empty()) return ConnectFailure::other;
  if (phase == CONNECTION_STARTED) return ConnectFailure::unreachable;  // TCP connect failed
  if (phase == CONNECTION_SSL_STARTUP) return ConnectFailure::ssl;
  // Before any network (an option value libpq cannot use, a host name it cannot resolve) or a
  // phase it reports only in words.
  return classify_connect_failure(message);
}

}  // namespace

void throw_for_sqlstate(const std::string& sqlstate, const std::string& message,
                        const std::string& detail) {
  std::string_view s = sqlstate;
  if (s.empty() || starts_with(s, "08") || s == "57P01" || s == "57P02" || s == "57P03") {
    throw ConnectionError(message, sqlstate);
  }
  if (s == "23505") throw UniqueViolation(message, sqlstate, detail);
  if (s == "23503") throw ForeignKeyViolation(message, sqlstate, detail);
  if (s == "23514" || s == "23502") throw CheckViolation(message, sqlstate, detail);
  if (starts_with(s, "22")) throw DataError(message, sqlstate, detail);
  if (s == "40001" || s == "40P01") throw SerializationFailure(message, sqlstate, detail);
  if (starts_with(s, "53")) throw ResourceError(message, sqlstate, detail);
  if (s == "57014") throw QueryCanceled(message, sqlstate, detail);
  if (s == "42P01" || s == "42883") throw UndefinedObject(message, sqlstate, detail);
  if (s == "42501") throw InsufficientPrivilege(message, sqlstate, detail);
  throw SqlError(message, sqlstate, detail);
}

ConnectFailure classify_connect_failure(const std::string& message) {
  if (contains(message, "invalid integer value") || contains(message, "invalid connection option")
      || (contains(message, "invalid ") && contains(message, " value: \""))) {
    return ConnectFailure::bad_parameters;
  }
  if (contains(message, "Connection refused") || contains(message, "No such file or directory")
      || contains(message, "could not translate host name") || contains(message, "timeout expired")
      || contains(message, "Network is unreachable") || contains(message, "No route to host")) {
    return ConnectFailure::unreachable;
  }
  if (contains(message, "password authentication failed")
      || contains(message, "no password supplied") || contains(message, "no pg_hba.conf entry")
      || (contains(message, "role \"") && contains(message, "does not exist"))) {
    return ConnectFailure::auth_failed;
  }
  if (contains(message, "database \"") && contains(message, "does not exist")) {
    return ConnectFailure::database_missing;
  }
  if (contains(message, "SSL") || contains(message, "certificate")) return ConnectFailure::ssl;
  if (contains(message, "too many clients") || contains(message, "remaining connection slots")) {
    return ConnectFailure::too_many;
  }
  return ConnectFailure::other;
}

void check_result(const PGresult* result, const PGconn* conn) {
  if (result == nullptr) throw_connection_error(conn);
  switch (PQresultStatus(result)) {
    case PGRES_COMMAND_OK:
    case PGRES_TUPLES_OK:
    case PGRES_SINGLE_TUPLE:
    case PGRES_EMPTY_QUERY:
    case PGRES_COPY_IN:
    case PGRES_COPY_OUT:
    case PGRES_PIPELINE_SYNC:
      return;
    default:
      break;
  }
  const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
  std::string message = trimmed(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY));
  if (message.empty()) message = trimmed(PQresultErrorMessage(result));
  if (message.empty()) message = trimmed(PQerrorMessage(conn));
  throw_for_sqlstate(sqlstate == nullptr ? "" : sqlstate, message,
                     trimmed(PQresultErrorField(result, PG_DIAG_MESSAGE_DETAIL)));
}

void throw_connect_failure(const PGconn* conn, ConnStatusType phase) {
  if (conn == nullptr) throw ConnectionError("out of memory", {}, ConnectFailure::other);
  auto verbose = trimmed(PQerrorMessage(conn));
  auto sqlstate = sqlstate_in(verbose);
  auto message = sqlstate.empty() ? verbose : without_verbose_fields(verbose, sqlstate);
  auto failure = classify(conn, phase, sqlstate, message);
  throw ConnectionError(message, sqlstate, failure);
}

void throw_connection_error(const PGconn* conn) {
  std::string message = conn == nullptr ? "out of memory" : trimmed(PQerrorMessage(conn));
  auto failure = classify_connect_failure(message);
  throw ConnectionError(message, {}, failure);
}

}  // namespace cruddur::db
