// CLI11 wiring of `cruddur db`: flags, URL choice (--url > --prod > CONNECTION_URL) and exit codes.
#include "cruddur/dbctl/cli.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <optional>

#include "cruddur/core/config.hpp"
#include "cruddur/core/error.hpp"
#include "cruddur/dbctl/commands.hpp"

namespace cruddur::dbctl {
struct DbCli::Flags {
  std::optional<std::string> url;
  bool prod = false;
  std::string db_dir;
  DropOptions drop;
  std::optional<std::string> environment;
  int steps = 1;
  int timeout_seconds = 30;
  long users = 0;
  long activities = 0;
  std::vector<std::string> psql_args;
  CLI::App* chosen = nullptr;
};

DbCli::DbCli(CLI::App& app) : flags_(std::make_unique<Flags>()) {
  auto& f = *flags_;
  db_ = app.add_subcommand("db",
                           "Database chores: create, drop, schema-load, seed, setup, "
                           "connect, sessions, kill-all, migrate, rollback, status, wait");
  db_->require_subcommand(1);
  db_->add_option("--url", f.url, "Connection URL; beats --prod and CONNECTION_URL");
  db_->add_flag("--prod", f.prod, "Use PROD_CONNECTION_URL (a trailing `prod` does the same)");
  db_->add_option("--db-dir", f.db_dir, "Directory with schema.sql, seed.sql and migrations/")
      ->check(CLI::ExistingDirectory);

  auto add = [&](const char* name, const char* help) {
    auto* sub = db_->add_subcommand(name, help);
    sub->fallthrough();
    sub->callback([&f, sub] { f.chosen = sub; });
    return sub;
  };
  auto add_destructive_flags = [&f](CLI::App* sub) {
    sub->add_flag("--force", f.drop.force, "Terminate the database's other sessions first");
    sub->add_flag("--allow-production", f.drop.allow_production,
                  "Consent to destroying a production database");
  };
  add("create", "Create the database (through the maintenance database)");
  add_destructive_flags(add("drop", "Drop the database (refuses production without consent)"));
  add("schema-load", "Load db/schema.sql, mark the environment, apply migrations")
      ->add_option("--environment", f.environment, "Environment marker to store")
      ->check(CLI::IsMember({"development", "production"}));
  add("seed", "Load db/seed.sql in one transaction");
  add_destructive_flags(add("setup", "drop, create, schema-load (with migrations), seed"));
  auto* connect = add("connect", "Open psql on the database (extra arguments after --)");
  connect->add_option("psql_args", f.psql_args, "Arguments for psql");
  add("sessions", "List the database's sessions");
  add("kill-all", "Terminate the database's other sessions");
  add("migrate", "Apply pending migrations, each in its own transaction");
  add("rollback", "Undo the newest applied migrations")
      ->add_option("--steps", f.steps, "How many to undo")
      ->check(CLI::PositiveNumber);
  add("status", "List migrations; exit 1 when some are pending");
  add("wait", "Wait until the server accepts connections")
      ->add_option("--timeout", f.timeout_seconds, "Seconds to wait")
      ->check(CLI::PositiveNumber);
  auto* generate = add("generate-data", "Insert generated users and activities (benchmarks)");
  generate->add_option("--users", f.users, "Users to add")->check(CLI::NonNegativeNumber);
  generate->add_option("--activities", f.activities, "Activities to add")
      ->check(CLI::NonNegativeNumber);
}

DbCli::~DbCli() = default;

bool DbCli::chosen() const {
  return flags_->chosen != nullptr;
}

int DbCli::run(const core::Config& config) {
  auto& f = *flags_;
  Target target;
  target.prod = f.prod;
  target.db_dir = f.db_dir.empty() ? config.db_dir : std::filesystem::path(f.db_dir);
  const std::string name = f.chosen->get_name();
  try {
    target.url = f.url ? *f.url : config.database_url(f.prod);
    Commands commands(target, Output::for_process());
    if (name == "create") commands.create();
    if (name == "drop") commands.drop(f.drop);
    if (name == "schema-load") commands.schema_load(f.environment);
    if (name == "seed") commands.seed();
    if (name == "setup") commands.setup(f.drop);
    if (name == "connect") commands.connect(f.psql_args);
    if (name == "sessions") commands.sessions();
    if (name == "kill-all") commands.kill_all();
    if (name == "migrate") commands.migrate();
    if (name == "rollback") commands.rollback(f.steps);
    if (name == "status") return commands.status() > 0 ? 1 : 0;
    if (name == "wait") commands.wait(f.timeout_seconds);
    if (name == "generate-data") commands.generate_data(f.users, f.activities);
    return 0;
  } catch (const std::exception& error) {
    fmt::print(stderr, "cruddur db {}: {}\n", name, explain_failure(error, target));
    return 2;
  }
}

}  // namespace cruddur::dbctl
