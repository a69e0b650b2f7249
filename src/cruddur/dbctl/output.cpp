// Terminal-aware output for `cruddur db`: data on stdout, diagnostics on stderr.
#include "cruddur/dbctl/output.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace cruddur::dbctl {

Output Output::for_process() {
  bool terminal = isatty(STDERR_FILENO) == 1;
  const char* no_color = std::getenv("NO_COLOR");
  bool color = terminal && (no_color == nullptr || *no_color == '\0');
  return Output(color, terminal);
}

void Output::header(std::string_view label) const {
  if (color_) {
    fmt::print(stderr, "\033[1;36m== {}\033[0m\n", label);
  } else {
    fmt::print(stderr, "== {}\n", label);
  }
}

void Output::note(std::string_view line) const {
  fmt::print(stderr, "{}\n", line);
}

void Output::data(std::string_view line) const {
  fmt::print("{}\n", line);
}

void Output::table(const std::vector<std::vector<std::string>>& rows) const {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += i + 1 == row.size() ? row[i] : fmt::format("{:<{}}  ", row[i], widths[i]);
    }
    data(line);
  }
}

void Output::progress(std::string_view what, long done, long total) const {
  if (!interactive_ || total <= 0) return;
  constexpr int kWidth = 30;
  auto filled = static_cast<int>(kWidth * done / total);
  fmt::print(stderr, "\r[{:#<{}}{:.<{}}] {:3}% {}/{} {}", "", filled, "", kWidth - filled,
             100 * done / total, done, total, what);
  if (done >= total) fmt::print(stderr, "\n");
  std::fflush(stderr);
}

}  // namespace cruddur::dbctl
