// Connection strings parsed by libpq (PQconninfoParse), rebuilt without text surgery.
#include "cruddur/db/conninfo.hpp"

#include <fmt/format.h>

#include "cruddur/core/redact.hpp"
#include "cruddur/db/errors.hpp"
#include "pg_handles.hpp"

namespace cruddur::db {
namespace {

// libpq quotes the offending token of a parse error in double quotes; it may be part of a
// password, so it is dropped from the message.
std::string without_quoted_tokens(std::string message) {
  std::string out;
  bool quoted = false;
  for (char c : message) {
    if (c == '"') {
      out += quoted ? "\"" : "\"…";
      quoted = !quoted;
    } else if (!quoted && c != '\n') {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string quote_conninfo_value(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  out += '\'';
  return out;
}

ConnInfo::ConnInfo(const std::string& url) {
  char* raw_error = nullptr;
  PgConninfoPtr parsed(PQconninfoParse(url.c_str(), &raw_error));
  PgMemoryPtr error(raw_error);
  if (!parsed) {
    std::string reason = error ? without_quoted_tokens(error.get()) : "out of memory";
    throw MalformedUrl(
        fmt::format("the connection URL '{}' is malformed: {}", core::redact_url(url), reason));
  }
  for (auto* option = parsed.get(); option->keyword != nullptr; ++option) {
    if (option->val != nullptr) options_.emplace_back(option->keyword, option->val);
  }
}

std::string ConnInfo::get(const std::string& keyword) const {
  for (const auto& [key, value] : options_) {
    if (key == keyword) return value;
  }
  return {};
}

std::string ConnInfo::database() const {
  auto dbname = get("dbname");
  if (!dbname.empty()) return dbname;
  auto user = get("user");
  if (!user.empty()) return user;
  if (const char* env_db = std::getenv("PGDATABASE")) return env_db;
  return "postgres";
}

std::string ConnInfo::to_string(const std::string& dbname, bool with_password) const {
  std::string out;
  for (const auto& [key, value] : options_) {
    if (key == "dbname" || (key == "password" && !with_password)) continue;
    out += fmt::format("{}={} ", key, quote_conninfo_value(value));
  }
  out += "dbname=" + quote_conninfo_value(dbname);
  return out;
}

std::string ConnInfo::with_database(const std::string& dbname) const {
  return to_string(dbname, true);
}

std::string ConnInfo::without_password() const {
  return to_string(database(), false);
}

std::string ConnInfo::display() const {
  auto host = get("host");
  if (host.empty()) host = get("hostaddr");
  if (host.empty()) host = "local socket";
  auto port = get("port");
  auto user = get("user");
  return fmt::format("{}{}{}{}/{}", user.empty() ? "" : user + "@", host, port.empty() ? "" : ":",
                     port, database());
}

}  // namespace cruddur::db
