// The `cruddur db` subcommands: one small method each, over blocking libpq connections.
#include "cruddur/dbctl/commands.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <thread>

#include "cruddur/core/error.hpp"
#include "cruddur/db/errors.hpp"
#include "cruddur/dbctl/migrations.hpp"

namespace cruddur::dbctl {
namespace {

constexpr const char* kApplicationName = "cruddur-db";
// Held for the whole of a migrate or rollback run so that two runs cannot interleave.
constexpr const char* kMigrationLockKey = "727413920417";

class MigrationLock {
 public:
  MigrationLock(db::Connection& connection, const Output& out) : connection_(connection) {
    auto got =
        connection_.exec_params("SELECT pg_try_advisory_lock($1::bigint)", {kMigrationLockKey});
    if (got.one_field() != "t") {
      out.note("waiting for another migration run to finish…");
      connection_.exec_params("SELECT pg_advisory_lock($1::bigint)", {kMigrationLockKey});
    }
  }
  ~MigrationLock() {
    if (!connection_.is_ok()) return;
    try {
      connection_.exec_params("SELECT pg_advisory_unlock($1::bigint)", {kMigrationLockKey});
    } catch (const db::DbError&) {
      // The session is going away; the server releases the lock with it.
    }
  }
  MigrationLock(const MigrationLock&) = delete;
  MigrationLock& operator=(const MigrationLock&) = delete;

 private:
  db::Connection& connection_;
};

void load_bookkeeping(db::Connection& connection, const std::filesystem::path& db_dir) {
  auto sql = read_file(db_dir / "schema.sql");
  db::ScopedTransaction transaction(connection);
  connection.exec(sql);
  transaction.commit();
}

std::set<std::int64_t> applied_versions(db::Connection& connection) {
  auto result = connection.exec("SELECT version FROM public.schema_migrations");
  std::set<std::int64_t> versions;
  for (int row = 0; row < result.rows(); ++row) {
    versions.insert(std::stoll(std::string(result.value(row, 0))));
  }
  return versions;
}

std::string migration_label(const Migration& migration) {
  return fmt::format("{}_{}", migration.version, migration.name);
}

// Runs one migration file in its own transaction together with its bookkeeping row.
template <typename Bookkeeping>
void run_in_transaction(db::Connection& connection, const std::filesystem::path& file,
                        Bookkeeping&& bookkeeping) {
  auto sql = read_file(file);
  try {
    db::ScopedTransaction transaction(connection);
    connection.exec(sql);
    bookkeeping();
    transaction.commit();
  } catch (const db::DbError& error) {
    throw db::DbError(error.code(),
                      fmt::format("{} failed and was rolled back, nothing of it applied: {}",
                                  file.filename().string(), error.what()),
                      error.sqlstate(), error.detail());
  }
}

}  // namespace

Commands::Commands(Target target, Output out)
    : target_(std::move(target)), info_(target_.url), out_(out) {}

db::Connection Commands::connect_target() const {
  return db::Connection::open(target_.url, {{"fallback_application_name", kApplicationName}});
}

// Connects to the server's maintenance database: `postgres`, or `template1` where that is missing.
db::Connection Commands::connect_maintenance() const {
  try {
    return db::Connection::open(info_.with_database("postgres"),
                                {{"fallback_application_name", kApplicationName}});
  } catch (const db::ConnectionError& error) {
    if (error.failure() != db::ConnectFailure::database_missing) throw;
    return db::Connection::open(info_.with_database("template1"),
                                {{"fallback_application_name", kApplicationName}});
  }
}

bool Commands::database_exists(db::Connection& maintenance) const {
  auto result =
      maintenance.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", {info_.database()});
  return result.rows() == 1;
}

void Commands::guard_production(const DropOptions& options, const char* action) {
  if (options.allow_production) return;
  if (target_.prod) {
    throw Error("production_guard",
                fmt::format("refusing to {} {}: it is the production database (--prod); add "
                            "--allow-production if you really mean to destroy it",
                            action, info_.display()));
  }
  auto maintenance = connect_maintenance();
  if (!database_exists(maintenance)) return;
  auto connection = connect_target();
  auto has_meta = connection.exec("SELECT to_regclass('public.cruddur_meta') IS NOT NULL");
  if (has_meta.one_field() != "t") return;
  auto marker = connection.exec("SELECT value FROM public.cruddur_meta WHERE key = 'environment'");
  if (marker.rows() == 1 && marker.value(0, 0) == "production") {
    throw Error("production_guard",
                fmt::format("refusing to {} {}: it is marked as a production database; add "
                            "--allow-production if you really mean to destroy it",
                            action, info_.display()));
  }
}

void Commands::create() {
  out_.header("db-create");
  auto maintenance = connect_maintenance();
  if (database_exists(maintenance)) {
    out_.note(fmt::format("database {} already exists", info_.display()));
    return;
  }
  maintenance.exec(fmt::format("CREATE DATABASE {} TEMPLATE template0 ENCODING 'UTF8'",
                               maintenance.quote_identifier(info_.database())));
  out_.note(fmt::format("created database {}", info_.display()));
}

void Commands::drop(const DropOptions& options) {
  out_.header("db-drop");
  guard_production(options, "drop");
  auto maintenance = connect_maintenance();
  if (!database_exists(maintenance)) {
    out_.note(fmt::format("database {} does not exist; nothing to drop", info_.display()));
    return;
  }
  maintenance.exec(fmt::format("DROP DATABASE {}{}", maintenance.quote_identifier(info_.database()),
                               options.force ? " WITH (FORCE)" : ""));
  out_.note(fmt::format("dropped database {}", info_.display()));
}

void Commands::schema_load(const std::optional<std::string>& environment) {
  out_.header("db-schema-load");
  auto schema = read_file(target_.db_dir / "schema.sql");
  std::string marker = environment.value_or(target_.prod ? "production" : "development");
  auto connection = connect_target();
  {
    db::ScopedTransaction transaction(connection);
    connection.exec(schema);
    // An existing marker is only ever raised to production, unless it was asked for explicitly.
    connection.exec_params(
        "INSERT INTO public.cruddur_meta (key, value) VALUES ('environment', $1) "
        "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now() "
        "WHERE EXCLUDED.value = 'production' OR $2::boolean",
        {marker, environment ? "true" : "false"});
    transaction.commit();
  }
  out_.note(
      fmt::format("loaded {} into {}", (target_.db_dir / "schema.sql").string(), info_.display()));
  migrate();
}

void Commands::seed() {
  out_.header("db-seed");
  auto sql = read_file(target_.db_dir / "seed.sql");
  auto connection = connect_target();
  db::ScopedTransaction transaction(connection);
  connection.exec(sql);
  transaction.commit();
  out_.note(fmt::format("seeded {}", info_.display()));
}

void Commands::setup(const DropOptions& options) {
  out_.header("db-setup");
  drop(options);
  create();
  schema_load(std::nullopt);
  seed();
}

void Commands::connect(const std::vector<std::string>& psql_args) {
  out_.header("db-connect");
  auto password = info_.get("password");
  if (!password.empty()) setenv("PGPASSWORD", password.c_str(), 1);
  std::vector<std::string> args{"psql", info_.without_password()};
  args.insert(args.end(), psql_args.begin(), psql_args.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  execvp("psql", argv.data());
  throw Error("missing_tool",
              "psql not found on PATH: install postgresql-client "
              "(scripts/bootstrap does)");
}

void Commands::sessions() {
  out_.header("db-sessions");
  auto maintenance = connect_maintenance();
  auto result = maintenance.exec_params(
      "SELECT pid::text, coalesce(usename, ''), datname, coalesce(host(client_addr), 'local'), "
      "       application_name, coalesce(state, ''), "
      "       date_trunc('second', now() - backend_start)::text, "
      "       coalesce(date_trunc('second', now() - state_change)::text, '') "
      "FROM pg_stat_activity "
      "WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid() "
      "ORDER BY backend_start",
      {info_.database()});
  std::vector<std::vector<std::string>> rows{
      {"pid", "user", "db", "client_addr", "application_name", "state", "connected", "in_state"}};
  for (int row = 0; row < result.rows(); ++row) {
    auto& line = rows.emplace_back();
    for (int column = 0; column < result.columns(); ++column) {
      line.emplace_back(result.value(row, column));
    }
  }
  out_.table(rows);
  out_.note(fmt::format("{} session(s) on {}", result.rows(), info_.display()));
}

void Commands::kill_all() {
  out_.header("db-kill-all");
  auto maintenance = connect_maintenance();
  auto result = maintenance.exec_params(
      "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
      "WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
      {info_.database()});
  out_.note(fmt::format("terminated {} session(s) on {}", result.one_field(), info_.display()));
}

void Commands::migrate() {
  out_.header("db-migrate");
  auto migrations = discover_migrations(target_.db_dir / "migrations");
  auto connection = connect_target();
  MigrationLock lock(connection, out_);
  load_bookkeeping(connection, target_.db_dir);
  auto applied = applied_versions(connection);
  int count = 0;
  for (const auto& migration : migrations) {
    if (applied.count(migration.version) != 0) continue;
    run_in_transaction(connection, migration.up, [&] {
      connection.exec_params("INSERT INTO public.schema_migrations (version, name) VALUES ($1, $2)",
                             {std::to_string(migration.version), migration.name});
    });
    out_.note(fmt::format("applied {}", migration_label(migration)));
    ++count;
  }
  out_.note(count == 0 ? "no pending migrations" : fmt::format("{} migration(s) applied", count));
}

void Commands::rollback(int steps) {
  out_.header("db-rollback");
  if (steps < 1) throw Error("invalid_argument", "--steps must be at least 1");
  auto migrations = discover_migrations(target_.db_dir / "migrations");
  auto connection = connect_target();
  MigrationLock lock(connection, out_);
  auto newest = connection.exec_params(
      "SELECT version FROM public.schema_migrations ORDER BY version DESC LIMIT $1",
      {std::to_string(steps)});
  std::vector<const Migration*> to_undo;
  for (int row = 0; row < newest.rows(); ++row) {
    auto version = std::stoll(std::string(newest.value(row, 0)));
    const Migration* found = nullptr;
    for (const auto& migration : migrations) {
      if (migration.version == version) found = &migration;
    }
    if (found == nullptr || !found->down) {
      throw Error("missing_file", fmt::format("migration {} has no .down.sql file in {}; nothing "
                                              "was rolled back",
                                              version, (target_.db_dir / "migrations").string()));
    }
    to_undo.push_back(found);
  }
  if (to_undo.empty()) out_.note("no applied migrations to roll back");
  for (const auto* migration : to_undo) {
    run_in_transaction(connection, *migration->down, [&] {
      connection.exec_params("DELETE FROM public.schema_migrations WHERE version = $1",
                             {std::to_string(migration->version)});
    });
    out_.note(fmt::format("rolled back {}", migration_label(*migration)));
  }
}

int Commands::status() {
  out_.header("db-status");
  auto migrations = discover_migrations(target_.db_dir / "migrations");
  auto connection = connect_target();
  std::set<std::int64_t> applied;
  auto has_table = connection.exec("SELECT to_regclass('public.schema_migrations') IS NOT NULL");
  if (has_table.one_field() == "t") applied = applied_versions(connection);
  std::vector<std::vector<std::string>> rows{{"version", "name", "state"}};
  int pending = 0;
  for (const auto& migration : migrations) {
    bool done = applied.erase(migration.version) != 0;
    pending += done ? 0 : 1;
    rows.push_back(
        {std::to_string(migration.version), migration.name, done ? "applied" : "pending"});
  }
  for (auto version : applied)
    rows.push_back({std::to_string(version), "?", "applied, file missing"});
  out_.table(rows);
  out_.note(fmt::format("{} pending migration(s) on {}", pending, info_.display()));
  return pending;
}

void Commands::wait(int timeout_seconds) {
  out_.header("db-wait");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  bool announced = false;
  while (true) {
    auto status = db::ping(info_.with_database("postgres"), 2);
    if (status == db::PingStatus::ok) break;
    if (status == db::PingStatus::bad_parameters) {
      throw Error("malformed_url",
                  fmt::format("cannot ping {}: bad connection parameters", info_.display()));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw db::ConnectionError(
          fmt::format("PostgreSQL at {} did not accept connections within {} s", info_.display(),
                      timeout_seconds),
          {}, db::ConnectFailure::unreachable);
    }
    if (!announced) out_.note(fmt::format("waiting for PostgreSQL at {}…", info_.display()));
    announced = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  out_.note(fmt::format("PostgreSQL at {} accepts connections", info_.display()));
}

void Commands::generate_data(long users, long activities) {
  out_.header("db-generate-data");
  if (users < 0 || activities < 0) throw Error("invalid_argument", "counts must not be negative");
  constexpr long kBatch = 50'000;
  auto connection = connect_target();
  auto tag = std::string(connection.exec("SELECT substr(md5(random()::text), 1, 8)").one_field());
  for (long done = 0; done < users; done += kBatch) {
    long upto = std::min(users, done + kBatch);
    connection.exec_params(
        "INSERT INTO public.users (display_name, handle, email, cognito_user_id) "
        "SELECT 'Generated User ' || g, 'gen' || $3 || '_' || g, 'gen' || $3 || '_' || g || "
        "'@example.com', 'GEN-' || $3 || '-' || g FROM generate_series($1::bigint, $2::bigint) g",
        {std::to_string(done + 1), std::to_string(upto), tag});
    out_.progress("users", upto, users);
  }
  for (long done = 0; done < activities; done += kBatch) {
    long upto = std::min(activities, done + kBatch);
    connection.exec_params(
        "WITH pool AS (SELECT array_agg(uuid) AS ids FROM public.users) "
        "INSERT INTO public.activities (user_uuid, message, created_at, expires_at) "
        "SELECT ids[1 + floor(random() * cardinality(ids))::int], "
        "       'Generated crud #' || g || ': ' || md5(g::text), "
        "       now() - random() * interval '30 days', now() + interval '1 hour' + "
        "       random() * interval '30 days' "
        "FROM pool, generate_series($1::bigint, $2::bigint) g",
        {std::to_string(done + 1), std::to_string(upto)});
    out_.progress("activities", upto, activities);
  }
  connection.exec("ANALYZE public.users; ANALYZE public.activities");
  out_.note(fmt::format("generated {} user(s) and {} activit{} in {}", users, activities,
                        activities == 1 ? "y" : "ies", info_.display()));
}

}  // namespace cruddur::dbctl
