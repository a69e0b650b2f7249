// `cruddur metrics show` and `sync`: each runs on its own io_context with the async pool (and,
// for sync, the async AWS client), then closes them so that the io_context runs out of work.
#include "cruddur/metricsctl/commands.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <exception>
#include <functional>
#include <nlohmann/json.hpp>

#include "cruddur/aws/aws_client.hpp"
#include "cruddur/aws/dynamodb_streams.hpp"
#include "cruddur/core/asio.hpp"
#include "cruddur/core/env.hpp"
#include "cruddur/db/catalog.hpp"
#include "cruddur/db/conninfo.hpp"
#include "cruddur/db/pool.hpp"
#include "cruddur/service/metrics_store.hpp"
#include "cruddur/service/shard_checkpoints.hpp"
#include "cruddur/service/stream_sync.hpp"

namespace cruddur::metricsctl {
namespace {

// A batch job: the totals count every row, which may take longer than a request's budget.
constexpr std::chrono::seconds kStatementTimeout{120};

db::PoolOptions pool_options(const core::Config& config, const Target& target) {
  auto options = db::PoolOptions::from_config(config, target.url);
  options.size = 2;
  options.statement_timeout =
      std::max<std::chrono::milliseconds>(options.statement_timeout, kStatementTimeout);
  return options;
}

// Runs `work` on `io` to completion, then `finish` (which closes what keeps the io_context
// busy); rethrows what `work` threw.
void run_to_completion(asio::io_context& io, asio::awaitable<void> work,
                       const std::function<void()>& finish) {
  std::exception_ptr failure;
  asio::co_spawn(io, std::move(work), [&](std::exception_ptr error) {
    failure = error;
    finish();
  });
  io.run();
  if (failure) std::rethrow_exception(failure);
}

asio::awaitable<void> load_dashboard(service::MetricsStore& store, std::string& out) {
  out = co_await store.dashboard();
}

asio::awaitable<void> run_sync(service::StreamSync& syncer, bool follow, service::SyncReport& out) {
  // Not a conditional expression: g++ 12 evaluates both co_awaits of `c ? co_await a : co_await b`.
  if (follow) {
    out = co_await syncer.follow();
  } else {
    out = co_await syncer.run_once();
  }
}

void print_dashboard(const std::string& text) {
  auto dashboard = nlohmann::json::parse(text);
  fmt::print("{:<12}{:>12}{:>15}{:>11}{:>16}\n", "day", "messages", "conversations", "new_users",
             "new_activities");
  for (const auto& day : dashboard.at("days")) {
    fmt::print("{:<12}{:>12}{:>15}{:>11}{:>16}\n", day.at("day").get<std::string>(),
               day.at("messages").get<long long>(), day.at("conversations").get<long long>(),
               day.at("new_users").get<long long>(), day.at("new_activities").get<long long>());
  }
  const auto& totals = dashboard.at("totals");
  fmt::print("users: {}\nactivities: {}\n", totals.at("users").get<long long>(),
             totals.at("activities").get<long long>());
}

std::string summary(const service::SyncReport& report, double seconds) {
  return fmt::format(
      "{} stream record(s) read in {} batch(es), {} message(s) counted ({} counted before), {} "
      "conversation(s), {} rejected, {} trimmed, {} iterator(s) renewed, {} shard(s) closed, {} "
      "shard(s) left to another syncer; {:.2f} s, {:.0f} records/s",
      report.records_read, report.batches, report.messages, report.duplicates, report.conversations,
      report.rejected, report.trimmed, report.iterators_renewed, report.shards_closed,
      report.shards_skipped, seconds,
      seconds > 0 ? static_cast<double>(report.records_read) / seconds : 0.0);
}

}  // namespace

void show(const core::Config& config, const Target& target) {
  asio::io_context io(1);
  auto catalog = db::Catalog::load({config.db_dir / "sql"});
  db::Pool pool(io.get_executor(), catalog, pool_options(config, target));
  service::MetricsStore store(pool, catalog);
  std::string dashboard;
  run_to_completion(io, load_dashboard(store, dashboard), [&pool] { pool.close(); });
  print_dashboard(dashboard);
}

void sync(const core::Config& config, const Target& target, const SyncFlags& flags) {
  asio::io_context io(1);
  auto catalog = db::Catalog::load({config.db_dir / "sql"});
  db::Pool pool(io.get_executor(), catalog, pool_options(config, target));
  auto env = core::process_env();
  aws::AwsClient client(io.get_executor(), aws::AwsClientOptions::from_config(config, env), env);
  aws::DynamoDbStreams streams(client);
  service::MetricsStore store(pool, catalog);
  service::ShardCheckpoints checkpoints(pool, catalog, flags.lease);
  service::StreamSyncOptions options;
  options.table = config.ddb_message_table;
  options.owner = service::make_lease_owner();
  options.batch_size = flags.batch_size;
  service::StreamSync syncer(streams, pool, store, checkpoints, options);

  spdlog::info("metrics sync of table {} as {} into {}{}", options.table, options.owner,
               db::ConnInfo(target.url).display(), flags.follow ? " (following)" : "");
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&syncer](const boost::system::error_code& error, int signal) {
    if (error) return;
    spdlog::info("signal {}: stopping after the batch in hand", signal);
    syncer.stop();
  });
  auto started = std::chrono::steady_clock::now();
  service::SyncReport report;
  std::exception_ptr failure;
  try {
    run_to_completion(io, run_sync(syncer, flags.follow, report), [&] {
      signals.cancel();
      client.close();
      pool.close();
    });
  } catch (...) {
    failure = std::current_exception();
    report = syncer.report();
  }
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - started;
  fmt::print(stderr, "metrics sync: {}\n", summary(report, elapsed.count()));
  if (failure) std::rethrow_exception(failure);
}

}  // namespace cruddur::metricsctl
