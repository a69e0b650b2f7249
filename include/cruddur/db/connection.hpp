#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct pg_conn;
struct pg_result;

namespace cruddur::db {

/// One result of a successful statement. Move-only; owns the libpq result.
class Result {
 public:
  explicit Result(pg_result* result);

  [[nodiscard]] int rows() const;
  [[nodiscard]] int columns() const;
  [[nodiscard]] bool is_null(int row, int column) const;
  /// The text of a field; empty for NULL. Valid while this Result lives.
  [[nodiscard]] std::string_view value(int row, int column) const;
  [[nodiscard]] std::string column_name(int column) const;
  /// Rows changed by INSERT/UPDATE/DELETE (0 for other commands).
  [[nodiscard]] long affected_rows() const;
  /// The single field of a one-row, one-column result. Throws CardinalityError otherwise.
  [[nodiscard]] std::string_view one_field() const;

 private:
  std::unique_ptr<pg_result, void (*)(pg_result*)> result_;
};

/// Extra libpq keywords applied after the URL (later keywords win; `dbname` here is not expanded).
using ConnectOverrides = std::vector<std::pair<std::string, std::string>>;

/// A blocking connection, for command-line tools and the Lambda (the server uses the async pool).
/// Not thread-safe. Closed by the destructor.
class Connection {
 public:
  /// Connects to `url` (any libpq URL or key/value string). Throws MalformedUrl or
  /// ConnectionError (classified, message without the password).
  static Connection open(const std::string& url, const ConnectOverrides& overrides = {});

  /// Runs `sql` with the simple protocol (several statements allowed); returns the last result.
  /// Throws the typed DbError of the failure.
  Result exec(const std::string& sql);
  /// Runs one statement with `$1..$n` bound to `params` (nullopt = NULL), text format.
  Result exec_params(const std::string& sql, const std::vector<std::optional<std::string>>& params);

  /// `"name"` quoted by libpq for use as an SQL identifier.
  [[nodiscard]] std::string quote_identifier(std::string_view name) const;
  /// False once the server has gone away.
  [[nodiscard]] bool is_ok() const;
  [[nodiscard]] int backend_pid() const;

 private:
  explicit Connection(pg_conn* conn);
  Result check(pg_result* result);
  std::unique_ptr<pg_conn, void (*)(pg_conn*)> conn_;
};

/// Rolls back in the destructor unless `commit()` ran (libpqxx's model). Not copyable.
class ScopedTransaction {
 public:
  /// Sends BEGIN. Throws the typed DbError when it fails.
  explicit ScopedTransaction(Connection& connection);
  ~ScopedTransaction();
  ScopedTransaction(const ScopedTransaction&) = delete;
  ScopedTransaction& operator=(const ScopedTransaction&) = delete;

  /// Sends COMMIT; throws when the server refuses (the transaction is then rolled back).
  void commit();

 private:
  Connection& connection_;
  bool open_ = true;
};

/// What PQping reports about a server, without authenticating.
enum class PingStatus { ok, rejecting, unreachable, bad_parameters };

/// Pings the server of `url` (blocking, bounded by `connect_timeout_seconds`).
PingStatus ping(const std::string& url, int connect_timeout_seconds);

}  // namespace cruddur::db
