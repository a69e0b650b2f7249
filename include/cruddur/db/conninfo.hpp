#pragma once

#include <string>
#include <utility>
#include <vector>

namespace cruddur::db {

/// Connection parameters parsed by libpq itself (URL or key/value form), in libpq's keyword order.
/// Throws MalformedUrl (message redacted) when libpq cannot parse the text.
class ConnInfo {
 public:
  explicit ConnInfo(const std::string& url);

  /// The value of `keyword` (`host`, `port`, `dbname`, `user`, …), empty when unset.
  [[nodiscard]] std::string get(const std::string& keyword) const;
  /// The database the URL names; libpq's default (the user name) when it names none.
  [[nodiscard]] std::string database() const;
  /// Key/value conninfo with `dbname` replaced; every other option (sslmode, …) is kept.
  [[nodiscard]] std::string with_database(const std::string& dbname) const;
  /// Key/value conninfo without the password (given to libpq through PGPASSWORD instead).
  [[nodiscard]] std::string without_password() const;
  /// `user@host:port/dbname` for messages: never contains the password.
  [[nodiscard]] std::string display() const;
  [[nodiscard]] const std::vector<std::pair<std::string, std::string>>& options() const {
    return options_;
  }

 private:
  [[nodiscard]] std::string to_string(const std::string& dbname, bool with_password) const;
  std::vector<std::pair<std::string, std::string>> options_;
};

/// Quotes a value for a libpq key/value string (`'…'` with `\` and `'` escaped).
std::string quote_conninfo_value(const std::string& value);

}  // namespace cruddur::db
