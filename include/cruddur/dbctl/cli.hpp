#pragma once

#include <memory>

namespace CLI {
class App;
}
namespace cruddur::core {
struct Config;
}

namespace cruddur::dbctl {

/// The `cruddur db …` command line: registers the subcommands on a CLI11 app, then runs the one
/// that was parsed.
class DbCli {
 public:
  explicit DbCli(CLI::App& app);
  ~DbCli();
  DbCli(const DbCli&) = delete;
  DbCli& operator=(const DbCli&) = delete;

  /// True when the parsed command line chose `db`.
  [[nodiscard]] bool chosen() const;
  /// Runs the chosen subcommand: 0 ok, 1 migrations pending (`status`), 2 failure (one line on
  /// stderr with cause and fix).
  int run(const core::Config& config);

 private:
  struct Flags;
  std::unique_ptr<Flags> flags_;
  CLI::App* db_;
};

}  // namespace cruddur::dbctl
