#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cruddur/db/connection.hpp"
#include "cruddur/db/conninfo.hpp"
#include "cruddur/dbctl/output.hpp"

namespace cruddur::dbctl {

/// The database a command acts on and where its SQL files live.
struct Target {
  std::string url;               ///< the chosen connection URL; holds the password, never printed
  bool prod = false;             ///< chosen through `--prod` or a trailing `prod`
  std::filesystem::path db_dir;  ///< holds schema.sql, seed.sql and migrations/
};

/// Flags of the destructive commands.
struct DropOptions {
  bool force = false;             ///< terminate other sessions (DROP DATABASE … WITH (FORCE))
  bool allow_production = false;  ///< the explicit consent the production guard asks for
};

/// One method per `cruddur db` subcommand. Every method throws cruddur::Error (or a db::DbError)
/// with a message that never contains the password; `explain_failure` turns it into one line with
/// cause and fix. Each call opens and closes its own connections.
class Commands {
 public:
  Commands(Target target, Output out);

  void create();
  void drop(const DropOptions& options);
  /// Loads db/schema.sql and the environment marker in one transaction, then migrates.
  /// `environment` overrides the marker (default: production for --prod, else development).
  void schema_load(const std::optional<std::string>& environment);
  void seed();
  /// drop → create → schema-load (with migrations) → seed.
  void setup(const DropOptions& options);
  /// Replaces this process with `psql` on the target (password passed through PGPASSWORD).
  [[noreturn]] void connect(const std::vector<std::string>& psql_args);
  void sessions();
  void kill_all();
  void migrate();
  void rollback(int steps);
  /// Prints every migration and its state; returns the number pending.
  int status();
  void wait(int timeout_seconds);
  void generate_data(long users, long activities);

 private:
  [[nodiscard]] db::Connection connect_target() const;
  [[nodiscard]] db::Connection connect_maintenance() const;
  [[nodiscard]] bool database_exists(db::Connection& maintenance) const;
  void guard_production(const DropOptions& options, const char* action);

  Target target_;
  db::ConnInfo info_;
  Output out_;
};

/// One line for a failed command: what went wrong and how to fix it. Never contains a secret.
std::string explain_failure(const std::exception& error, const Target& target);

}  // namespace cruddur::dbctl
