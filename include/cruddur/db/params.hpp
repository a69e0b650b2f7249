#pragma once

#include <optional>
#include <string>
#include <vector>

namespace cruddur::db {

/// Values bound to `$1..$n` as text (std::nullopt = SQL NULL). Never formatted into SQL.
using Params = std::vector<std::optional<std::string>>;

/// The rows of a `returns: rows` statement, as text (std::nullopt = NULL).
struct RowSet {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

}  // namespace cruddur::db
