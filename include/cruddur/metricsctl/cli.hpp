#pragma once

#include <memory>

namespace CLI {
class App;
}
namespace cruddur::core {
struct Config;
}

namespace cruddur::metricsctl {

/// The `cruddur metrics …` command line (docs/metrics.md): `show` prints the dashboard's numbers,
/// `sync` refreshes the PostgreSQL metrics and propagates the messages table's DynamoDB stream
/// (one pass, or `--follow` until SIGTERM/SIGINT).
class MetricsCli {
 public:
  explicit MetricsCli(CLI::App& app);
  ~MetricsCli();
  MetricsCli(const MetricsCli&) = delete;
  MetricsCli& operator=(const MetricsCli&) = delete;

  /// True when the parsed command line chose `metrics`.
  [[nodiscard]] bool chosen() const;
  /// Runs the chosen subcommand: 0 ok (a shard left to another syncer is ok), 2 failure (one
  /// line on stderr saying what went wrong, never a secret).
  int run(const core::Config& config);

 private:
  struct Flags;
  std::unique_ptr<Flags> flags_;
  CLI::App* metrics_;
};

}  // namespace cruddur::metricsctl
