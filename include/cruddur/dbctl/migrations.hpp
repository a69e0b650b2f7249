#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace cruddur::dbctl {

/// One versioned migration: `<version>_<name>.up.sql` and optionally `.down.sql`.
struct Migration {
  std::int64_t version = 0;
  std::string name;
  std::filesystem::path up;
  std::optional<std::filesystem::path> down;
};

/// The migrations of `dir`, ordered by numeric version (never by file-name order).
/// Throws cruddur::Error("bad_migrations") for a `.sql` file that does not follow the naming
/// rule, a duplicate version, or a down file without its up file.
std::vector<Migration> discover_migrations(const std::filesystem::path& dir);

/// The whole text of a file. Throws cruddur::Error("missing_file") naming it.
std::string read_file(const std::filesystem::path& path);

}  // namespace cruddur::dbctl
