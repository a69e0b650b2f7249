// Turns a failed `cruddur db` command into one line with cause and fix, never with a secret.
#include <fmt/format.h>

#include <regex>

#include "cruddur/core/redact.hpp"
#include "cruddur/db/errors.hpp"
#include "cruddur/dbctl/commands.hpp"

namespace cruddur::dbctl {
namespace {

std::string one_line(const std::string& text) {
  static const std::regex kSpace(R"(\s+)");
  return core::redact_url(std::regex_replace(text, kSpace, " "));
}

struct Where {
  std::string display;  // user@host:port/db
  std::string server;   // host:port
  std::string database;
};

Where where_of(const Target& target) {
  try {
    db::ConnInfo info(target.url);
    auto host = info.get("host").empty() ? std::string("local socket") : info.get("host");
    auto port = info.get("port").empty() ? std::string("5432") : info.get("port");
    return {info.display(), host + ":" + port, info.database()};
  } catch (const db::MalformedUrl&) {
    return {core::redact_url(target.url), core::redact_url(target.url), "?"};
  }
}

std::string url_variable(const Target& target) {
  return target.prod ? "PROD_CONNECTION_URL" : "CONNECTION_URL";
}

std::string explain_connection(const db::ConnectionError& error, const Target& target,
                               const Where& where) {
  auto cause = one_line(error.what());
  switch (error.failure()) {
    case db::ConnectFailure::unreachable:
      return fmt::format(
          "cannot reach PostgreSQL at {}: the server is not running or not reachable "
          "({}). Start it (scripts/local-postgres start) or fix the host/port in {}",
          where.server, cause, url_variable(target));
    case db::ConnectFailure::auth_failed:
      return fmt::format(
          "PostgreSQL at {} refused the login ({}). Fix the user or password in {} "
          "(or PGPASSWORD)",
          where.server, cause, url_variable(target));
    case db::ConnectFailure::database_missing:
      return fmt::format(
          "database \"{}\" does not exist on {}: run `cruddur db create` (or "
          "`cruddur db setup`)",
          where.database, where.server);
    case db::ConnectFailure::ssl:
      return fmt::format("TLS to {} failed ({}). Check sslmode and sslrootcert in {}", where.server,
                         cause, url_variable(target));
    case db::ConnectFailure::too_many:
      return fmt::format(
          "PostgreSQL at {} has no free connection slots ({}). See `cruddur db "
          "sessions`; `cruddur db kill-all` ends this database's sessions",
          where.server, cause);
    case db::ConnectFailure::bad_parameters:
      return fmt::format("the connection URL in {} is malformed: {}", url_variable(target), cause);
    case db::ConnectFailure::other:
      break;
  }
  return fmt::format("cannot connect to {}: {}", where.display, cause);
}

}  // namespace

std::string explain_failure(const std::exception& error, const Target& target) {
  auto where = where_of(target);
  if (const auto* connection = dynamic_cast<const db::ConnectionError*>(&error)) {
    return explain_connection(*connection, target, where);
  }
  if (const auto* db_error = dynamic_cast<const db::DbError*>(&error)) {
    auto cause = one_line(db_error->what());
    const auto& state = db_error->sqlstate();
    if (state == "55006") {
      return fmt::format(
          "database \"{}\" is in use by other sessions ({}). End them with `cruddur db "
          "kill-all`, or drop with --force",
          where.database, cause);
    }
    if (state == "42501") {
      return fmt::format(
          "permission denied on {} ({}). Connect as a role allowed to do this: the "
          "postgres superuser, or a role with CREATEDB for create and drop",
          where.server, cause);
    }
    if (cause.find("extension") != std::string::npos && (state == "0A000" || state == "58P01")) {
      return fmt::format(
          "{}: the PostgreSQL server lacks this extension. Install it on the server "
          "(Debian: apt-get install postgresql-contrib; RDS ships it)",
          cause);
    }
    if (state == "3D000") {
      return fmt::format("database \"{}\" does not exist: run `cruddur db create`", where.database);
    }
    auto detail = db_error->detail().empty() ? "" : " — " + one_line(db_error->detail());
    return fmt::format("{}{}{}", cause, detail, state.empty() ? "" : " (SQLSTATE " + state + ")");
  }
  return one_line(error.what());
}

}  // namespace cruddur::dbctl
