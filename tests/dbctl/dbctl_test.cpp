// `cruddur db …` end to end: the real binary against a real PostgreSQL 15 started by scripts/test.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <random>

#include "cruddur/db/connection.hpp"
#include "cruddur/db/conninfo.hpp"
#include "cruddur/db/errors.hpp"
#include "subprocess.hpp"

namespace {

using cruddur::db::Connection;
using cruddur::db::ConnInfo;
using cruddur::test::ProcessResult;
using cruddur::test::required_env;
using cruddur::test::run_process;
namespace fs = std::filesystem;

std::string random_suffix() {
  std::random_device device;
  return std::to_string(std::uniform_int_distribution<unsigned>(100000, 999999)(device));
}

// Each test gets its own database, dropped afterwards, and checks that no output ever shows the
// server's password.
class DbCli : public ::testing::Test {
 protected:
  void SetUp() override {
    admin_url_ = required_env("CRUDDUR_TEST_PG_URL");
    ConnInfo admin(admin_url_);
    password_ = admin.get("password");
    ASSERT_FALSE(password_.empty()) << "CRUDDUR_TEST_PG_URL must carry a password";
    name_ = "cruddur_t_" + random_suffix();
    url_ = admin.with_database(name_);
  }

  void TearDown() override {
    auto admin = Connection::open(admin_url_);
    admin.exec("DROP DATABASE IF EXISTS " + admin.quote_identifier(name_) + " WITH (FORCE)");
    for (const auto& dir : temp_dirs_) fs::remove_all(dir);
  }

  ProcessResult cruddur(std::vector<std::string> args,
                        std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), CRUDDUR_BIN);
    env.try_emplace("CONNECTION_URL", url_);
    env.try_emplace("NO_COLOR", "1");
    auto result = run_process(args, env);
    EXPECT_EQ(result.out.find(password_), std::string::npos) << "password on stdout";
    EXPECT_EQ(result.err.find(password_), std::string::npos) << "password on stderr";
    return result;
  }

  Connection connect(const std::string& application_name = "cruddur-test") {
    return Connection::open(url_, {{"application_name", application_name}});
  }

  long count(const std::string& sql) {
    return std::stol(std::string(connect().exec(sql).one_field()));
  }

  bool database_exists() {
    auto admin = Connection::open(admin_url_);
    return admin.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", {name_}).rows() == 1;
  }

  // A db directory with the real schema.sql and seed.sql and the given migrations.
  fs::path db_dir_with(const std::map<std::string, std::string>& migrations) {
    auto dir = fs::temp_directory_path() / ("cruddur-dbdir-" + random_suffix());
    fs::create_directories(dir / "migrations");
    fs::copy_file(fs::path(CRUDDUR_SOURCE_DIR) / "db" / "schema.sql", dir / "schema.sql");
    fs::copy_file(fs::path(CRUDDUR_SOURCE_DIR) / "db" / "seed.sql", dir / "seed.sql");
    for (const auto& [file, sql] : migrations) std::ofstream(dir / "migrations" / file) << sql;
    temp_dirs_.push_back(dir);
    return dir;
  }

  std::string url_with(const std::string& keyword, const std::string& value) {
    return url_ + " " + keyword + "=" + cruddur::db::quote_conninfo_value(value);
  }

  std::string admin_url_;
  std::string password_;
  std::string name_;
  std::string url_;
  std::vector<fs::path> temp_dirs_;
};

const char* kFirstMigration = "20261124000001_create_users_and_activities.up.sql";

// The migrations of the repository: setup applies every one of them.
long repository_migrations() {
  long ups = 0;
  for (const auto& entry :
       fs::directory_iterator(fs::path(CRUDDUR_SOURCE_DIR) / "db" / "migrations")) {
    auto name = entry.path().filename().string();
    if (name.size() > 7 && name.substr(name.size() - 7) == ".up.sql") ++ups;
  }
  return ups;
}

std::string first_migration_sql() {
  std::ifstream in(fs::path(CRUDDUR_SOURCE_DIR) / "db" / "migrations" / kFirstMigration);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST_F(DbCli, SetupBuildsSchemaSeedAndDevelopmentMarker) {
  auto setup = cruddur({"db", "setup"});
  ASSERT_EQ(setup.exit_code, 0) << setup.err;
  EXPECT_NE(setup.err.find("== db-setup"), std::string::npos);
  EXPECT_EQ(count("SELECT count(*) FROM users"), 4);
  EXPECT_EQ(count("SELECT count(*) FROM activities"), 2);
  EXPECT_EQ(
      count("SELECT count(*) FROM users WHERE email LIKE '%@%' AND cognito_user_id LIKE 'MOCK-%'"),
      4);
  EXPECT_EQ(count("SELECT count(*) FROM schema_migrations"), repository_migrations());
  EXPECT_EQ(connect().exec("SELECT value FROM cruddur_meta WHERE key = 'environment'").one_field(),
            "development");
  auto status = cruddur({"db", "status"});
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("applied"), std::string::npos);
}

TEST_F(DbCli, OriginalStepByStepScriptsWorkAndSeedIsIdempotent) {
  for (auto step : {"create", "create", "schema-load", "seed", "seed"}) {
    auto result = cruddur({"db", step});
    ASSERT_EQ(result.exit_code, 0) << step << ": " << result.err;
  }
  EXPECT_EQ(count("SELECT count(*) FROM activities"), 2);
  auto drop = cruddur({"db", "drop"});
  ASSERT_EQ(drop.exit_code, 0) << drop.err;
  EXPECT_FALSE(database_exists());
  auto again = cruddur({"db", "drop"});
  EXPECT_EQ(again.exit_code, 0);
  EXPECT_NE(again.err.find("nothing to drop"), std::string::npos);
}

TEST_F(DbCli, ConnectRunsPsqlOnTheDatabase) {
  ASSERT_EQ(cruddur({"db", "setup"}).exit_code, 0);
  auto result = cruddur({"db", "connect", "--", "-XAtc", "SELECT count(*) FROM users"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "4\n");
}

TEST_F(DbCli, SessionsListsConnectionsByApplicationName) {
  ASSERT_EQ(cruddur({"db", "create"}).exit_code, 0);
  auto held = connect("cruddur-probe");
  auto result = cruddur({"db", "sessions"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("application_name"), std::string::npos);
  EXPECT_NE(result.out.find("cruddur-probe"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(std::to_string(held.backend_pid())), std::string::npos);
}

TEST_F(DbCli, KillAllTerminatesTheOtherSessions) {
  ASSERT_EQ(cruddur({"db", "create"}).exit_code, 0);
  auto held = connect();
  auto result = cruddur({"db", "kill-all"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("terminated 1 session"), std::string::npos) << result.err;
  EXPECT_THROW(held.exec("SELECT 1"), cruddur::db::ConnectionError);
}

TEST_F(DbCli, RollbackUndoesNewestAndStatusReportsPending) {
  ASSERT_EQ(cruddur({"db", "create"}).exit_code, 0);
  ASSERT_EQ(cruddur({"db", "schema-load"}).exit_code, 0);
  auto rollback = cruddur({"db", "rollback", "--steps", "5"});
  ASSERT_EQ(rollback.exit_code, 0) << rollback.err;
  EXPECT_EQ(count("SELECT count(*) FROM pg_tables WHERE tablename IN ('users', 'activities')"), 0);
  auto status = cruddur({"db", "status"});
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_NE(status.out.find("pending"), std::string::npos);
  ASSERT_EQ(cruddur({"db", "migrate"}).exit_code, 0);
  EXPECT_EQ(cruddur({"db", "status"}).exit_code, 0);
  EXPECT_EQ(count("SELECT count(*) FROM pg_tables WHERE tablename IN ('users', 'activities')"), 2);
}

TEST_F(DbCli, MigrationsRunInVersionOrderNotNameOrder) {
  auto dir = db_dir_with({{"9_second.up.sql", "CREATE TABLE second_t (a int REFERENCES first_t);"},
                          {"10_third.up.sql", "INSERT INTO second_t VALUES (1);"},
                          {"1_first.up.sql",
                           "CREATE TABLE first_t (a int PRIMARY KEY); "
                           "INSERT INTO first_t VALUES (1);"}});
  ASSERT_EQ(cruddur({"db", "create"}).exit_code, 0);
  auto migrate = cruddur({"db", "--db-dir", dir.string(), "migrate"});
  ASSERT_EQ(migrate.exit_code, 0) << migrate.err;
  EXPECT_EQ(count("SELECT count(*) FROM second_t"), 1);
  auto rollback = cruddur({"db", "--db-dir", dir.string(), "rollback"});
  EXPECT_EQ(rollback.exit_code, 2) << "10_third has no down file";
  EXPECT_NE(rollback.err.find("no .down.sql"), std::string::npos) << rollback.err;
  EXPECT_EQ(count("SELECT count(*) FROM schema_migrations"), 3);
}

TEST_F(DbCli, BrokenMigrationLeavesNothingBehind) {
  auto dir = db_dir_with(
      {{kFirstMigration, first_migration_sql()},
       {"20261124000002_broken.up.sql", "CREATE TABLE half_done (x int);\nSELECT 1 / 0;"}});
  ASSERT_EQ(cruddur({"db", "create"}).exit_code, 0);
  auto result = cruddur({"db", "--db-dir", dir.string(), "schema-load"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("20261124000002_broken.up.sql"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("rolled back"), std::string::npos) << result.err;
  EXPECT_EQ(count("SELECT count(*) FROM pg_tables WHERE tablename = 'half_done'"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM schema_migrations"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM pg_tables WHERE tablename = 'users'"), 1);
}

TEST_F(DbCli, ConcurrentMigrateRunsDoNotInterleave) {
  auto dir = db_dir_with(
      {{kFirstMigration, first_migration_sql()},
       {"20261124000002_slow.up.sql", "SELECT pg_sleep(2);\nCREATE TABLE slow_t (x int);"}});
  ASSERT_EQ(cruddur({"db", "create"}).exit_code, 0);
  auto run = [&] { return cruddur({"db", "--db-dir", dir.string(), "migrate"}); };
  auto first = std::async(std::launch::async, run);
  auto second = std::async(std::launch::async, run);
  auto a = first.get();
  auto b = second.get();
  EXPECT_EQ(a.exit_code, 0) << a.err;
  EXPECT_EQ(b.exit_code, 0) << b.err;
  EXPECT_EQ(count("SELECT count(*) FROM schema_migrations"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM pg_tables WHERE tablename = 'slow_t'"), 1);
  auto applied = [](const ProcessResult& r) {
    return r.err.find("applied 20261124000002") != std::string::npos;
  };
  EXPECT_NE(applied(a), applied(b)) << "exactly one run applies the slow migration";
}

TEST_F(DbCli, WaitReturnsOnceTheServerAnswersAndTimesOutOtherwise) {
  EXPECT_EQ(cruddur({"db", "wait", "--timeout", "5"}).exit_code, 0);
  auto down =
      cruddur({"db", "wait", "--timeout", "1"}, {{"CONNECTION_URL", url_with("port", "1")}});
  EXPECT_EQ(down.exit_code, 2);
  EXPECT_NE(down.err.find("did not accept connections within 1 s"), std::string::npos) << down.err;
}

TEST_F(DbCli, GenerateDataAddsUsersAndActivities) {
  ASSERT_EQ(cruddur({"db", "setup"}).exit_code, 0);
  auto result = cruddur({"db", "generate-data", "--users", "20", "--activities", "300"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(count("SELECT count(*) FROM users"), 24);
  EXPECT_EQ(count("SELECT count(*) FROM activities"), 302);
  EXPECT_EQ(count("SELECT count(*) FROM activities WHERE expires_at <= now()"), 0);
  ASSERT_EQ(cruddur({"db", "generate-data", "--users", "5"}).exit_code, 0) << "handles stay unique";
}

TEST_F(DbCli, ServerDownSaysSoAndHowToStartIt) {
  auto result = cruddur({"db", "status"}, {{"CONNECTION_URL", url_with("port", "1")}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("not running"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("scripts/local-postgres start"), std::string::npos);
}

TEST_F(DbCli, WrongPasswordSaysSoWithoutEchoingIt) {
  auto result =
      cruddur({"db", "status"}, {{"CONNECTION_URL", url_with("password", "wrong-pass-9731")}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("refused the login"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("wrong-pass-9731"), std::string::npos);
}

TEST_F(DbCli, MissingDatabaseNamesTheFix) {
  auto result = cruddur({"db", "migrate"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("does not exist"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("cruddur db create"), std::string::npos);
}

TEST_F(DbCli, DropOfDatabaseInUseNamesKillAllAndForce) {
  ASSERT_EQ(cruddur({"db", "create"}).exit_code, 0);
  auto held = connect();
  auto refused = cruddur({"db", "drop"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("kill-all"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--force"), std::string::npos);
  EXPECT_TRUE(database_exists());
  EXPECT_EQ(cruddur({"db", "drop", "--force"}).exit_code, 0);
  EXPECT_FALSE(database_exists());
}

TEST_F(DbCli, ProductionGuardRefusesWithoutExplicitConsent) {
  ASSERT_EQ(cruddur({"db", "create"}).exit_code, 0);
  ASSERT_EQ(cruddur({"db", "schema-load", "--environment", "production"}).exit_code, 0);
  for (auto command : {"drop", "setup"}) {
    auto refused = cruddur({"db", command});
    EXPECT_EQ(refused.exit_code, 2) << command;
    EXPECT_NE(refused.err.find("marked as a production database"), std::string::npos)
        << refused.err;
  }
  // A later development schema-load does not quietly lower the marker.
  ASSERT_EQ(cruddur({"db", "schema-load"}).exit_code, 0);
  EXPECT_EQ(cruddur({"db", "drop"}).exit_code, 2);
  EXPECT_TRUE(database_exists());
  EXPECT_EQ(cruddur({"db", "drop", "--allow-production"}).exit_code, 0);
  EXPECT_FALSE(database_exists());
}

TEST_F(DbCli, ProdTargetIsGuardedWhicheverWayItIsChosen) {
  ASSERT_EQ(cruddur({"db", "create"}).exit_code, 0);
  std::map<std::string, std::string> env{{"CONNECTION_URL", url_with("port", "1")},
                                         {"PROD_CONNECTION_URL", url_}};
  for (auto args : std::vector<std::vector<std::string>>{
           {"db", "drop", "prod"}, {"db", "drop", "--prod"}, {"db", "--prod", "setup"}}) {
    auto refused = cruddur(args, env);
    EXPECT_EQ(refused.exit_code, 2);
    EXPECT_NE(refused.err.find("production database (--prod)"), std::string::npos) << refused.err;
  }
  EXPECT_TRUE(database_exists());
  EXPECT_EQ(cruddur({"db", "status", "prod"}, env).exit_code, 1)
      << "prod selects PROD_CONNECTION_URL";
  auto by_url = cruddur({"db", "--url", url_, "status", "prod"}, {{"PROD_CONNECTION_URL", ""}});
  EXPECT_EQ(by_url.exit_code, 1) << "--url beats prod: " << by_url.err;
  auto missing = cruddur({"db", "status", "prod"}, {{"PROD_CONNECTION_URL", ""}});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("PROD_CONNECTION_URL is not set"), std::string::npos);
}

TEST_F(DbCli, MissingExtensionNamesThePackage) {
  auto dir = db_dir_with({{"1_ext.up.sql", "CREATE EXTENSION cruddur_no_such_extension;"}});
  ASSERT_EQ(cruddur({"db", "create"}).exit_code, 0);
  auto result = cruddur({"db", "--db-dir", dir.string(), "migrate"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("postgresql-contrib"), std::string::npos) << result.err;
}

TEST_F(DbCli, PermissionDeniedNamesTheRoleToUse) {
  auto role = "cruddur_t_role_" + random_suffix();
  auto admin = Connection::open(admin_url_);
  admin.exec("CREATE ROLE " + role + " LOGIN NOCREATEDB PASSWORD 'role-pass-5521'");
  auto result =
      cruddur({"db", "create"},
              {{"CONNECTION_URL", url_with("user", role) + " password='role-pass-5521'"}});
  admin.exec("DROP ROLE " + role);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("permission denied"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("CREATEDB"), std::string::npos);
  EXPECT_EQ(result.err.find("role-pass-5521"), std::string::npos);
}

TEST_F(DbCli, MalformedUrlIsOneRedactedLine) {
  auto result =
      cruddur({"db", "status"}, {{"CONNECTION_URL", "postgresql://u:sekrit-77@h:notaport/db"}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("malformed"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("sekrit-77"), std::string::npos) << result.err;
}

TEST_F(DbCli, BinShimsPassArgumentsThrough) {
  std::map<std::string, std::string> env{{"CRUDDUR_BIN", CRUDDUR_BIN},
                                         {"CONNECTION_URL", url_with("port", "1")},
                                         {"PROD_CONNECTION_URL", url_},
                                         {"NO_COLOR", "1"}};
  auto shim = [&](const char* name, std::vector<std::string> args) {
    args.insert(args.begin(), std::string(CRUDDUR_SOURCE_DIR) + "/bin/" + name);
    return run_process(args, env);
  };
  EXPECT_EQ(shim("db-create", {"prod"}).exit_code, 0);
  auto setup = shim("db-setup", {"prod"});
  EXPECT_EQ(setup.exit_code, 2) << "prod setup needs consent";
  EXPECT_EQ(shim("db-setup", {"--allow-production", "prod"}).exit_code, 0);
  auto sessions = shim("db-sessions", {"prod"});
  EXPECT_EQ(sessions.exit_code, 0) << sessions.err;
  auto connect = shim("db-connect", {"prod"});
  EXPECT_EQ(connect.exit_code, 0) << connect.err;
  EXPECT_EQ(count("SELECT count(*) FROM users"), 4);
}

}  // namespace
