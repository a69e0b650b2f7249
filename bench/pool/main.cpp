// bench/pool: sets up the benchmark database and measures home-feed queries per second through the
// pool; `run` (next to this file) compares the figure with pgbench on the same SQL.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cruddur/core/asio.hpp"
#include "cruddur/core/error.hpp"
#include "cruddur/core/log.hpp"
#include "cruddur/db/catalog.hpp"
#include "cruddur/db/connection.hpp"
#include "cruddur/db/conninfo.hpp"
#include "cruddur/db/pool.hpp"

namespace {

using namespace cruddur;
namespace fs = std::filesystem;

// The first page of the home feed: the parameters both clients bind.
const db::Params kParams{"20", "infinity", "ffffffff-ffff-ffff-ffff-ffffffffffff"};
constexpr const char* kStatement = "activities/home";

struct Args {
  std::string command;
  std::map<std::string, std::string> options;
  std::vector<std::string> rest;  ///< after `--`

  std::string get(const std::string& name, const std::string& fallback = {}) const {
    auto found = options.find(name);
    if (found != options.end()) return found->second;
    if (fallback.empty()) throw Error("usage", "missing --" + name);
    return fallback;
  }
  unsigned number(const std::string& name, const std::string& fallback) const {
    return static_cast<unsigned>(std::stoul(get(name, fallback)));
  }
};

Args parse(int argc, char** argv) {
  Args args;
  if (argc < 2)
    throw Error("usage",
                "usage: cruddur_bench_pool prepare|drop|pool|pgbench-script|pgbench --url URL ...");
  args.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") {
      args.rest.assign(argv + i + 1, argv + argc);
      break;
    }
    if (arg.rfind("--", 0) != 0 || i + 1 >= argc) throw Error("usage", "bad argument " + arg);
    args.options[arg.substr(2)] = argv[++i];
  }
  return args;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) throw Error("usage", "cannot read " + path.string());
  return text.str();
}

std::string database_url(const Args& args) {
  return db::ConnInfo(args.get("url")).with_database(args.get("database"));
}

// Creates the database, loads schema + migrations in version order and generates the data.
void prepare(const Args& args) {
  fs::path root = args.get("root");
  auto admin = db::Connection::open(args.get("url"));
  admin.exec("CREATE DATABASE " + admin.quote_identifier(args.get("database")));
  auto connection = db::Connection::open(database_url(args));
  connection.exec(read_text(root / "db/schema.sql"));
  std::vector<fs::path> ups;
  for (const auto& entry : fs::directory_iterator(root / "db/migrations")) {
    if (entry.path().string().ends_with(".up.sql")) ups.push_back(entry.path());
  }
  std::sort(ups.begin(), ups.end());
  for (const auto& up : ups) connection.exec(read_text(up));
  connection.exec_params(
      "INSERT INTO users (display_name, handle, email, cognito_user_id) "
      "SELECT 'User ' || n, 'user' || n, 'user' || n || '@example.com', 'bench-' || n "
      "FROM generate_series(1, $1::integer) AS n",
      {args.get("users", "1000")});
  // Every tenth crud has expired, so the feed filter has work to do.
  connection.exec_params(
      "WITH u AS (SELECT array_agg(uuid ORDER BY handle) AS ids FROM users) "
      "INSERT INTO activities (user_uuid, message, expires_at, created_at) "
      "SELECT u.ids[1 + n % cardinality(u.ids)], 'crud number ' || n, "
      "       CASE WHEN n % 10 = 0 THEN now() - interval '1 minute' "
      "            ELSE now() + interval '30 days' END, "
      "       now() - interval '2 minutes' - n * interval '1 second' "
      "FROM u, generate_series(1, $1::integer) AS n",
      {args.get("activities", "100000")});
  connection.exec("ANALYZE");
  // Show the plan of the generic prepared statement, as the pool runs it.
  auto catalog = db::Catalog::load({root / "db/sql"});
  connection.exec("SET plan_cache_mode = force_generic_plan");
  connection.exec("PREPARE home AS " + catalog.at(catalog.id(kStatement)).sql);
  auto plan = connection.exec(
      "EXPLAIN EXECUTE home(20, 'infinity', 'ffffffff-ffff-ffff-ffff-ffffffffffff')");
  for (int row = 0; row < plan.rows(); ++row) std::cerr << plan.value(row, 0) << "\n";
}

void drop(const Args& args) {
  auto admin = db::Connection::open(args.get("url"));
  admin.exec("DROP DATABASE IF EXISTS " + admin.quote_identifier(args.get("database"))
             + " WITH (FORCE)");
}

// The wrapped statement with $n written as pgbench variables :pn.
void pgbench_script(const Args& args) {
  auto catalog = db::Catalog::load({fs::path(args.get("root")) / "db/sql"});
  const auto& sql = catalog.at(catalog.id(kStatement)).sql;
  std::string out;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    if (sql[i] == '$' && i + 1 < sql.size()
        && std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
      out += ":p";
    } else {
      out += sql[i] == '\n' ? ' ' : sql[i];
    }
  }
  std::cout << out << ";\n";
}

// Runs pgbench against the benchmark database; the password goes through PGPASSWORD.
[[noreturn]] void pgbench(const Args& args) {
  db::ConnInfo info(database_url(args));
  ::setenv("PGPASSWORD", info.get("password").c_str(), 1);
  std::vector<std::string> command{args.get("pgbench", "pgbench")};
  command.insert(command.end(), args.rest.begin(), args.rest.end());
  command.push_back(info.without_password());
  std::vector<char*> argv;
  for (auto& part : command) argv.push_back(part.data());
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  throw Error("usage", "cannot run " + command[0]);
}

// C coroutines run the statement back to back through a pool for the given time.
void pool(const Args& args) {
  auto catalog = db::Catalog::load({fs::path(args.get("root")) / "db/sql"});
  auto statement = catalog.id(kStatement);
  db::PoolOptions options;
  options.url = database_url(args);
  options.size = args.number("pool-size", "4");
  auto clients = args.number("clients", "16");
  auto seconds = args.number("seconds", "10");
  auto threads = args.number("threads", std::to_string(std::thread::hardware_concurrency()));

  asio::io_context io;
  db::Pool pool(io.get_executor(), catalog, options);
  std::atomic<std::uint64_t> done{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<bool> stop{false};
  std::atomic<unsigned> running{clients};
  for (unsigned i = 0; i < clients; ++i) {
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          while (!stop) {
            try {
              auto page = co_await pool.execute_returning(statement, kParams);  // page, cursor
              if (page.rows.size() != 1 || page.rows[0].at(0).value_or("").size() < 3) ++failed;
            } catch (const std::exception& error) {
              if (failed++ == 0) std::cerr << "query failed: " << error.what() << "\n";
            }
            ++done;
          }
          --running;
        },
        asio::detached);
  }
  std::vector<std::thread> workers;
  for (unsigned i = 0; i < threads; ++i) workers.emplace_back([&] { io.run(); });
  std::this_thread::sleep_for(std::chrono::seconds(1));  // warm-up: connect and prepare
  auto start_count = done.load();
  auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  auto count = done.load() - start_count;
  std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  stop = true;
  while (running != 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  pool.close();
  for (auto& worker : workers) worker.join();
  auto stats = pool.stats();
  std::cout << "pool_qps=" << static_cast<double>(count) / elapsed.count() << " clients=" << clients
            << " connections=" << options.size << " threads=" << threads
            << " failed=" << failed.load() << " reconnects=" << stats.reconnects << "\n";
  if (failed != 0) std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    core::init_logging("text", "warn");  // the pool's routine closing lines would drown the figures
    auto args = parse(argc, argv);
    if (args.command == "prepare")
      prepare(args);
    else if (args.command == "drop")
      drop(args);
    else if (args.command == "pool")
      pool(args);
    else if (args.command == "pgbench-script")
      pgbench_script(args);
    else if (args.command == "pgbench")
      pgbench(args);
    else
      throw Error("usage", "unknown command " + args.command);
  } catch (const std::exception& error) {
    std::cerr << "cruddur_bench_pool: " << error.what() << "\n";
    return 2;
  }
  return 0;
}
