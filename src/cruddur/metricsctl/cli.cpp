// CLI11 wiring of `cruddur metrics`: flags, database choice (--url > --prod > CONNECTION_URL),
// exit codes.
#include "cruddur/metricsctl/cli.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <optional>

#include "cruddur/core/config.hpp"
#include "cruddur/core/error.hpp"
#include "cruddur/core/log.hpp"
#include "cruddur/metricsctl/commands.hpp"

namespace cruddur::metricsctl {

struct MetricsCli::Flags {
  std::optional<std::string> url;
  bool prod = false;
  SyncFlags sync;
  long lease_seconds = 60;
  CLI::App* chosen = nullptr;
};

MetricsCli::MetricsCli(CLI::App& app) : flags_(std::make_unique<Flags>()) {
  auto& f = *flags_;
  metrics_ = app.add_subcommand(
      "metrics", "Metrics: show the dashboard's numbers, sync them from PostgreSQL and DynamoDB");
  metrics_->require_subcommand(1);
  metrics_->add_option("--url", f.url, "Connection URL; beats --prod and CONNECTION_URL");
  metrics_->add_flag("--prod", f.prod, "Use PROD_CONNECTION_URL (a trailing `prod` does the same)");
  auto add = [&](const char* name, const char* help) {
    auto* sub = metrics_->add_subcommand(name, help);
    sub->fallthrough();
    sub->callback([&f, sub] { f.chosen = sub; });
    return sub;
  };
  add("show", "Print users and posts in total and the last 7 days of every series");
  auto* sync = add("sync",
                   "Recompute the PostgreSQL metrics and count new messages from the DynamoDB "
                   "stream of DDB_MESSAGE_TABLE (one pass; --follow keeps polling)");
  sync->add_flag("--follow", f.sync.follow, "Keep polling until SIGTERM or SIGINT");
  sync->add_option("--batch-size", f.sync.batch_size, "Stream records per GetRecords (1..1000)")
      ->check(CLI::Range(1, 1000));
  sync->add_option("--lease-seconds", f.lease_seconds,
                   "How long a shard stays this syncer's without a renewal (5..3600)")
      ->check(CLI::Range(5, 3600));
}

MetricsCli::~MetricsCli() = default;

bool MetricsCli::chosen() const {
  return flags_->chosen != nullptr;
}

int MetricsCli::run(const core::Config& config) {
  auto& f = *flags_;
  const std::string name = f.chosen->get_name();
  Target target;
  try {
    core::init_logging(config.log_format, config.log_level);
    target.prod = f.prod;
    target.url = f.url ? *f.url : config.database_url(f.prod);
    if (name == "show") show(config, target);
    if (name == "sync") {
      auto flags = f.sync;
      flags.lease = std::chrono::seconds(f.lease_seconds);
      sync(config, target, flags);
    }
    return 0;
  } catch (const Error& error) {
    // A database older than the metrics migration has no metrics tables.
    auto hint = error.code() == "undefined_object"
                    ? " (the metrics tables are missing: run `cruddur db migrate`)"
                    : "";
    fmt::print(stderr, "cruddur metrics {}: {}{}\n", name, error.what(), hint);
    return 2;
  } catch (const std::exception& error) {
    fmt::print(stderr, "cruddur metrics {}: {}\n", name, error.what());
    return 2;
  }
}

}  // namespace cruddur::metricsctl
