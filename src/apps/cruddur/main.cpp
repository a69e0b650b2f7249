// The `cruddur` binary: parse the command line, build what the command needs, dispatch.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "app.hpp"
#include "cruddur/core/config.hpp"
#include "cruddur/core/error.hpp"
#include "cruddur/dbctl/cli.hpp"
#include "cruddur/ddbctl/cli.hpp"
#include "cruddur/metricsctl/cli.hpp"
#include "dev_token.hpp"

namespace {

// The original scripts took `prod` as their last argument (`./bin/db-connect prod`); it means
// --prod. Arguments after `--` belong to another program and are left alone.
std::vector<std::string> normalise_args(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  bool passthrough = false;
  for (const auto& arg : args) passthrough = passthrough || arg == "--";
  if (!passthrough && !args.empty() && args.back() == "prod") args.back() = "--prod";
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Cruddur backend: HTTP API, database and DynamoDB chores"};
  app.require_subcommand(1);
  cruddur::dbctl::DbCli db(app);
  cruddur::metricsctl::MetricsCli metrics(app);
  cruddur::ddbctl::DdbCli ddb(app);
  bool prod = false;
  auto* serve =
      app.add_subcommand("serve", "Run the HTTP API on HOST:PORT (default 127.0.0.1:4567)");
  serve->add_flag("--prod", prod, "Use PROD_CONNECTION_URL (a trailing `prod` does the same)");
  std::string handle;
  auto* dev_token = app.add_subcommand(
      "dev-token", "Print an access token for a local user, trusted by `serve` outside --prod");
  dev_token->add_option("--handle", handle, "The user's handle, e.g. andrewbrown")->required();

  auto args = normalise_args(argc, argv);
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& error) {
    auto code = app.exit(error);
    return code == 0 ? 0 : 2;
  }
  try {
    auto config = cruddur::core::load_config(cruddur::core::process_env());
    if (db.chosen()) return db.run(config);
    if (metrics.chosen()) return metrics.run(config);
    if (ddb.chosen()) return ddb.run(config);
    if (serve->parsed()) return cruddur::app::serve(config, prod);
    if (dev_token->parsed()) return cruddur::app::dev_token(config, handle);
  } catch (const std::exception& error) {
    fmt::print(stderr, "cruddur: {}\n", error.what());
    return 2;
  }
  return 0;
}
