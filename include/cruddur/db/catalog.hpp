#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cruddur/core/error.hpp"

namespace cruddur::db {

/// A catalog file is unreadable, its header is invalid, or a statement the code needs is missing.
/// Code `catalog_invalid`. Raised at start-up, never while serving.
class CatalogError : public cruddur::Error {
 public:
  explicit CatalogError(const std::string& message) : Error("catalog_invalid", message) {}
};

/// What a statement returns, from its `-- returns:` header line (see docs/sql.md).
enum class Returns {
  array,   ///< every row, as one JSON array built by Postgres (`[]` when none)
  object,  ///< at most one row, as one JSON object built by Postgres (absent when none)
  value,   ///< at most one row of one column, as text (absent when none or NULL)
  rows,    ///< the rows as text (for writes with RETURNING)
  none,    ///< nothing; the number of affected rows
};

/// One documented `$n` parameter of a statement.
struct Parameter {
  std::string type;         ///< e.g. `uuid`, `timestamptz`
  std::string name;         ///< e.g. `before_uuid`
  std::string description;  ///< free text after the name (may be empty)
};

/// One catalog statement. `sql` is the text sent to Postgres: for `array` and `object` it is the
/// file's statement wrapped once so that Postgres builds the JSON.
struct Statement {
  std::string name;  ///< `<area>/<name>`, the path under the catalog root without `.sql`
  std::string body;  ///< the statement as written in the file (no header, no trailing `;`)
  std::string sql;   ///< what is prepared
  Returns returns = Returns::none;
  std::vector<Parameter> parameters;  ///< `$1..$n`, in order
  /// The statement begins with SELECT: a read the pool may answer with a timeout while it is
  /// still queued behind other statements on its connection (docs/pool.md, "Bounded answers").
  bool read_only = false;
};

/// A statement's position in its Catalog; cheap to copy, resolved once at start-up.
class StatementId {
 public:
  StatementId() = default;
  explicit StatementId(std::size_t index) : index_(index) {}
  [[nodiscard]] std::size_t index() const noexcept { return index_; }

 private:
  std::size_t index_ = 0;
};

/// The immutable set of SQL statements, loaded once at start-up from `db/sql/<area>/<name>.sql`.
/// Thread-safe after construction (read only).
class Catalog {
 public:
  /// Loads every `*.sql` file under each root (recursively). Throws CatalogError naming the file
  /// for an unreadable file, an invalid header, a duplicate name or a missing/empty root.
  static Catalog load(const std::vector<std::filesystem::path>& roots);

  /// Parses one file's text (exposed for tests). Throws CatalogError.
  static Statement parse(const std::string& name, std::string_view text);

  /// The statement called `name`. Throws CatalogError when there is none: resolve every
  /// statement the code uses at start-up so that a missing file stops the process there.
  [[nodiscard]] StatementId id(std::string_view name) const;
  [[nodiscard]] const Statement& at(StatementId id) const { return statements_.at(id.index()); }
  [[nodiscard]] const std::vector<Statement>& statements() const { return statements_; }

 private:
  std::vector<Statement> statements_;
  std::unordered_map<std::string, std::size_t> by_name_;
};

/// `array`, `object`, … as written in headers.
std::string_view to_string(Returns returns);

}  // namespace cruddur::db
