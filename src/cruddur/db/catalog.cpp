// Loads db/sql/<area>/<name>.sql once, validates each header and wraps reads so Postgres builds
// JSON.
#include "cruddur/db/catalog.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

namespace cruddur::db {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())) != 0) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())) != 0) {
    text.remove_suffix(1);
  }
  return text;
}

bool is_ident_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// What a scan of the statement body found outside comments, literals and quoted identifiers.
struct BodyScan {
  std::set<unsigned> placeholders;
  bool has_inner_semicolon = false;
};

// Skips from `i` (at an opening quote) past the matching close; doubled quotes are escapes.
std::size_t skip_quoted(std::string_view sql, std::size_t i, char quote) {
  for (++i; i < sql.size(); ++i) {
    if (sql[i] != quote) continue;
    if (i + 1 < sql.size() && sql[i + 1] == quote) {
      ++i;
    } else {
      return i + 1;
    }
  }
  return sql.size();
}

BodyScan scan_body(std::string_view sql) {
  BodyScan scan;
  std::size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    char next = i + 1 < sql.size() ? sql[i + 1] : '\0';
    if (c == '-' && next == '-') {
      i = std::min(sql.find('\n', i), sql.size());
    } else if (c == '/' && next == '*') {
      auto end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 2;
    } else if (c == '\'' || c == '"') {
      i = skip_quoted(sql, i, c);
    } else if (c == '$' && std::isdigit(static_cast<unsigned char>(next)) != 0
               && (i == 0 || !is_ident_char(sql[i - 1]))) {
      unsigned number = 0;
      for (++i; i < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i])) != 0; ++i) {
        number = number * 10 + static_cast<unsigned>(sql[i] - '0');
      }
      scan.placeholders.insert(number);
    } else if (c == '$' && (i == 0 || !is_ident_char(sql[i - 1]))) {
      // Dollar quoting: $tag$ … $tag$ (the tag may be empty).
      auto close = sql.find('$', i + 1);
      auto tag =
          close == std::string_view::npos ? std::string_view{} : sql.substr(i, close - i + 1);
      bool valid = !tag.empty() && std::all_of(tag.begin() + 1, tag.end() - 1, is_ident_char);
      if (!valid) {
        ++i;
        continue;
      }
      auto end = sql.find(tag, close + 1);
      i = end == std::string_view::npos ? sql.size() : end + tag.size();
    } else {
      if (c == ';') scan.has_inner_semicolon = true;
      ++i;
    }
  }
  return scan;
}

Returns parse_returns(const std::string& name, std::string_view value) {
  for (auto kind :
       {Returns::array, Returns::object, Returns::value, Returns::rows, Returns::none}) {
    if (value == to_string(kind)) return kind;
  }
  throw CatalogError(fmt::format(
      "{}: `returns:` must be array, object, value, rows or none, got '{}'", name, value));
}

// `$N: type name description…`
std::pair<unsigned, Parameter> parse_parameter(const std::string& name, std::string_view line) {
  auto colon = line.find(':');
  unsigned number = 0;
  auto digits = line.substr(1, colon == std::string_view::npos ? 0 : colon - 1);
  bool numeric = !digits.empty() && std::all_of(digits.begin(), digits.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
  std::istringstream words(std::string(numeric ? line.substr(colon + 1) : std::string_view{}));
  Parameter parameter;
  words >> parameter.type >> parameter.name;
  if (!numeric || parameter.name.empty()) {
    throw CatalogError(
        fmt::format("{}: parameter line '-- {}' must read '-- $N: type name …'", name, line));
  }
  for (char c : digits) number = number * 10 + static_cast<unsigned>(c - '0');
  std::getline(words, parameter.description);
  parameter.description = std::string(trim(parameter.description));
  return {number, std::move(parameter)};
}

std::string wrap(Returns returns, const std::string& body) {
  switch (returns) {
    case Returns::array:
      return fmt::format("WITH t AS (\n{}\n) SELECT coalesce(json_agg(t), '[]'::json) FROM t",
                         body);
    case Returns::object:
      return fmt::format("WITH t AS (\n{}\n) SELECT row_to_json(t) FROM t", body);
    default:
      return body;
  }
}

// The body's first word is SELECT (the header ends at the first line that is not a comment, so
// the body starts with its first keyword). WITH … may write, so it does not count.
bool starts_with_select(std::string_view body) {
  constexpr std::string_view kSelect = "select";
  if (body.size() < kSelect.size()) return false;
  for (std::size_t i = 0; i < kSelect.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(body[i])) != kSelect[i]) return false;
  }
  return body.size() == kSelect.size() || !is_ident_char(body[kSelect.size()]);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw CatalogError(fmt::format("cannot read SQL file {}", path.string()));
  return text.str();
}

}  // namespace

std::string_view to_string(Returns returns) {
  switch (returns) {
    case Returns::array:
      return "array";
    case Returns::object:
      return "object";
    case Returns::value:
      return "value";
    case Returns::rows:
      return "rows";
    case Returns::none:
      return "none";
  }
  return "none";
}

Statement Catalog::parse(const std::string& name, std::string_view text) {
  Statement statement;
  statement.name = name;
  std::map<unsigned, Parameter> parameters;
  bool has_returns = false;
  std::size_t position = 0;
  while (position < text.size()) {
    auto end = std::min(text.find('\n', position), text.size());
    auto line = trim(text.substr(position, end - position));
    if (!line.empty() && line.substr(0, 2) != "--") break;
    position = end + 1;
    line = trim(line.substr(std::min<std::size_t>(2, line.size())));
    if (line.substr(0, 8) == "returns:") {
      if (has_returns) throw CatalogError(fmt::format("{}: `returns:` given twice", name));
      statement.returns = parse_returns(name, trim(line.substr(8)));
      has_returns = true;
    } else if (line.size() > 1 && line[0] == '$') {
      auto [number, parameter] = parse_parameter(name, line);
      if (!parameters.emplace(number, std::move(parameter)).second) {
        throw CatalogError(fmt::format("{}: ${} is documented twice", name, number));
      }
    }
  }
  if (!has_returns) {
    throw CatalogError(fmt::format("{}: the header has no `-- returns:` line", name));
  }
  auto body = trim(text.substr(std::min(position, text.size())));
  while (!body.empty() && body.back() == ';') body = trim(body.substr(0, body.size() - 1));
  if (body.empty()) throw CatalogError(fmt::format("{}: no statement after the header", name));
  auto scan = scan_body(body);
  if (scan.has_inner_semicolon) {
    throw CatalogError(fmt::format("{}: one statement per file (found a `;` inside)", name));
  }
  std::set<unsigned> documented;
  for (const auto& [number, parameter] : parameters) documented.insert(number);
  if (documented != scan.placeholders) {
    throw CatalogError(fmt::format("{}: the header documents {{{}}} but the statement uses {{{}}}",
                                   name, fmt::join(documented, ", "),
                                   fmt::join(scan.placeholders, ", ")));
  }
  unsigned expected = 1;
  for (auto& [number, parameter] : parameters) {
    if (number != expected++) {
      throw CatalogError(fmt::format("{}: parameters must be $1..$n without gaps", name));
    }
    statement.parameters.push_back(std::move(parameter));
  }
  statement.body = std::string(body);
  statement.sql = wrap(statement.returns, statement.body);
  statement.read_only = starts_with_select(statement.body);
  return statement;
}

Catalog Catalog::load(const std::vector<std::filesystem::path>& roots) {
  Catalog catalog;
  for (const auto& root : roots) {
    std::error_code error;
    if (!std::filesystem::is_directory(root, error)) {
      throw CatalogError(fmt::format("SQL catalog directory {} does not exist", root.string()));
    }
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      if (entry.is_regular_file() && entry.path().extension() == ".sql") {
        files.push_back(entry.path());
      }
    }
    if (files.empty()) {
      throw CatalogError(fmt::format("SQL catalog directory {} holds no .sql file", root.string()));
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      auto name = std::filesystem::relative(file, root).replace_extension().generic_string();
      auto statement = parse(name, read_file(file));
      if (!catalog.by_name_.emplace(name, catalog.statements_.size()).second) {
        throw CatalogError(fmt::format("{}: two catalog files have this name", name));
      }
      catalog.statements_.push_back(std::move(statement));
    }
  }
  return catalog;
}

StatementId Catalog::id(std::string_view name) const {
  auto found = by_name_.find(std::string(name));
  if (found == by_name_.end()) {
    throw CatalogError(
        fmt::format("the SQL catalog has no statement {} (db/sql/{}.sql is missing)", name, name));
  }
  return StatementId(found->second);
}

}  // namespace cruddur::db
