// Discovery of versioned migration files, ordered by version number.
#include "cruddur/dbctl/migrations.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "cruddur/core/error.hpp"

namespace cruddur::dbctl {

std::vector<Migration> discover_migrations(const std::filesystem::path& dir) {
  if (!std::filesystem::is_directory(dir)) {
    throw Error("missing_file", fmt::format("migrations directory {} not found", dir.string()));
  }
  static const std::regex kName(R"(^(\d{1,18})_([A-Za-z0-9_]+)\.(up|down)\.sql$)");
  std::map<std::int64_t, Migration> by_version;
  std::map<std::int64_t, std::filesystem::path> downs;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    auto file = entry.path().filename().string();
    if (entry.path().extension() != ".sql") continue;
    std::smatch match;
    if (!std::regex_match(file, match, kName)) {
      throw Error("bad_migrations",
                  fmt::format("{}: migration files are named <version>_<name>.up.sql or "
                              "<version>_<name>.down.sql",
                              entry.path().string()));
    }
    auto version = std::stoll(match[1].str());
    if (match[3] == "down") {
      downs[version] = entry.path();
      continue;
    }
    auto [it, inserted] =
        by_version.try_emplace(version, Migration{version, match[2], entry.path(), {}});
    if (!inserted) {
      throw Error("bad_migrations",
                  fmt::format("{} and {} share version {}", it->second.up.string(),
                              entry.path().string(), version));
    }
  }
  for (const auto& [version, path] : downs) {
    auto it = by_version.find(version);
    if (it == by_version.end()) {
      throw Error("bad_migrations", fmt::format("{} has no matching .up.sql file", path.string()));
    }
    it->second.down = path;
  }
  std::vector<Migration> out;
  out.reserve(by_version.size());
  for (auto& [version, migration] : by_version) out.push_back(std::move(migration));
  return out;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("missing_file", fmt::format("cannot read {}", path.string()));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace cruddur::dbctl
