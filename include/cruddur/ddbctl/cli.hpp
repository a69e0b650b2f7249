#pragma once

#include <memory>

namespace CLI {
class App;
}
namespace cruddur::core {
struct Config;
}

namespace cruddur::ddbctl {

/// The `cruddur ddb …` command line (the original's `bin/ddb/*` chores on the messages table):
/// registers the subcommands on a CLI11 app, then runs the one that was parsed.
class DdbCli {
 public:
  explicit DdbCli(CLI::App& app);
  ~DdbCli();
  DdbCli(const DdbCli&) = delete;
  DdbCli& operator=(const DdbCli&) = delete;

  /// True when the parsed command line chose `ddb`.
  [[nodiscard]] bool chosen() const;
  /// Runs the chosen subcommand: 0 ok, 2 failure (one line on stderr with cause and fix).
  int run(const core::Config& config);

 private:
  struct Flags;
  std::unique_ptr<Flags> flags_;
  CLI::App* ddb_;
};

}  // namespace cruddur::ddbctl
