#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cruddur::dbctl {

/// Where `cruddur db` writes: data on stdout, diagnostics (headers, notes, progress) on stderr.
/// Colour only when stderr is a terminal and NO_COLOR is unset.
class Output {
 public:
  /// Decides colour and progress bars from the process's stderr and environment.
  static Output for_process();
  Output(bool color, bool interactive) : color_(color), interactive_(interactive) {}

  /// `== label` on stderr (cyan when coloured), like the original scripts.
  void header(std::string_view label) const;
  /// One diagnostic line on stderr.
  void note(std::string_view line) const;
  /// One line of data on stdout.
  void data(std::string_view line) const;
  /// Rows as aligned columns on stdout; the first row is the heading.
  void table(const std::vector<std::vector<std::string>>& rows) const;
  /// A progress bar on stderr, redrawn in place; only on a terminal.
  void progress(std::string_view what, long done, long total) const;

 private:
  bool color_;
  bool interactive_;
};

}  // namespace cruddur::dbctl
