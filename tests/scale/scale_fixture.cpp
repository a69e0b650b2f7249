// Test support for the scale-out suite: topology, instances, tokens, wrk and metrics.
#include "scale_fixture.hpp"

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <iostream>
#include <regex>
#include <sstream>
#include <thread>

#include "cruddur/aws/dev_key_store.hpp"
#include "cruddur/db/connection.hpp"
#include "subprocess.hpp"

namespace cruddur::test {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr auto kStartTimeout = std::chrono::seconds(30);

std::uint64_t match_number(const std::string& text, const std::regex& pattern,
                           std::size_t group = 1) {
  std::smatch found;
  if (!std::regex_search(text, found, pattern)) return 0;
  return std::stoull(found[group].str());
}

}  // namespace

WrkResult parse_wrk(const std::string& output) {
  WrkResult result;
  result.output = output;
  result.requests = match_number(output, std::regex(R"((\d+) requests in)"));
  std::smatch rate;
  if (std::regex_search(output, rate, std::regex(R"(Requests/sec:\s+([0-9.]+))"))) {
    result.requests_per_second = std::stod(rate[1].str());
  }
  result.non_2xx = match_number(output, std::regex(R"(Non-2xx or 3xx responses: (\d+))"));
  std::regex errors(R"(Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+))");
  result.connect_errors = match_number(output, errors, 1);
  result.read_errors = match_number(output, errors, 2);
  result.write_errors = match_number(output, errors, 3);
  result.timeouts = match_number(output, errors, 4);
  return result;
}

std::string ScaleTest::topology(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{std::string(CRUDDUR_SOURCE_DIR) + "/scripts/local-scale"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto result =
      run_process(argv, {{"CRUDDUR_SCALE_DIR", dir_.string()}}, std::chrono::seconds(180));
  if (result.exit_code != 0) {
    std::string joined;
    for (const auto& arg : args) joined += " " + arg;
    throw std::runtime_error("local-scale" + joined + " failed: " + result.out + result.err);
  }
  return result.out;
}

void ScaleTest::SetUp() {
  char dir_template[] = "/tmp/cruddur-scale-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  dir_ = dir_template;
  ::chmod(dir_.c_str(), 0755);
  // Ports are chosen at the first start; another test may take one first: then choose again.
  for (int attempt = 1;; ++attempt) {
    try {
      topology({"primary", "start"});
      break;
    } catch (const std::exception& error) {
      ASSERT_LT(attempt, 4) << error.what();
      fs::remove(dir_ / "ports.env");
      fs::remove_all(dir_ / "primary");
    }
  }
  std::istringstream lines(topology({"env"}));
  for (std::string line; std::getline(lines, line);) {
    auto equals = line.find('=');
    if (equals == std::string::npos || line.size() < equals + 3) continue;
    urls_[line.substr(0, equals)] = line.substr(equals + 2, line.size() - equals - 3);  // 'value'
  }
  password_ = urls_.at("PG_PASSWORD");
  ::setenv("PGPASSWORD", password_.c_str(), 1);  // libpq of this process and of every child
  auto setup = run_process({CRUDDUR_BIN, "db", "setup"},
                           {{"CONNECTION_URL", urls_.at("PRIMARY_URL")},
                            {"CRUDDUR_DB_DIR", std::string(CRUDDUR_SOURCE_DIR) + "/db"},
                            {"NO_COLOR", "1"}});
  ASSERT_EQ(setup.exit_code, 0) << setup.out << setup.err;
  topology({"replica", "start"});
  (void)aws::DevKeyStore::open(dir_ / "dev-jwt");  // made once, before the instances read it
}

void ScaleTest::TearDown() {
  for (auto& instance : instances_) {
    if (!instance.process) continue;
    stop_instance(instance);
    EXPECT_EQ(instance.process->log().find(password_), std::string::npos)
        << "the database password is in " << instance.process->log_path();
  }
  instances_.clear();
  if (!dir_.empty()) {
    try {
      topology({"down"});
    } catch (const std::exception& error) {
      ADD_FAILURE() << error.what();
    }
    // A failed test leaves its logs (the data directories go).
    if (HasFailure()) {
      fs::remove_all(dir_ / "primary" / "data");
      fs::remove_all(dir_ / "replica" / "data");
      std::cerr << "scale test logs kept in " << dir_ << "\n";
    } else {
      fs::remove_all(dir_);
    }
  }
}

std::map<std::string, std::string> ScaleTest::instance_env(
    const std::map<std::string, std::string>& overrides) const {
  std::map<std::string, std::string> env{
      {"CONNECTION_URL", urls_.at("PRIMARY_URL")},
      {"READ_CONNECTION_URL", urls_.at("REPLICA_URL")},
      {"CRUDDUR_DB_DIR", std::string(CRUDDUR_SOURCE_DIR) + "/db"},
      {"CRUDDUR_DEV_KEY_DIR", (dir_ / "dev-jwt").string()},
      {"HOST", "127.0.0.1"},
      {"THREADS", "2"},
      {"DB_POOL_SIZE", "4"},
      {"CACHE_URL", "memory://"},
      {"LOG_FORMAT", "json"},
      {"LOG_LEVEL", "info"},
      // Nothing of the developer's machine: no AWS, no other database.
      {"PROD_CONNECTION_URL", ""},
      {"LISTEN_CONNECTION_URL", ""},
      {"AWS_ENDPOINT_URL", ""},
  };
  for (const auto& [name, value] : overrides) env[name] = value;
  return env;
}

Instance ScaleTest::start_instance(const std::map<std::string, std::string>& overrides,
                                   std::uint16_t port) {
  for (int attempt = 1;; ++attempt) {
    Instance instance;
    instance.port = port != 0 ? port : free_port();
    instance.env = instance_env(overrides);
    instance.env["PORT"] = std::to_string(instance.port);
    auto log = dir_ / ("instance-" + std::to_string(++log_counter_) + ".log");
    instance.process = std::make_unique<ChildProcess>(
        std::vector<std::string>{CRUDDUR_BIN, "serve"}, instance.env, log);
    // Only our own instance logs that it listens on this port.
    auto listening = "listening on http://127.0.0.1:" + std::to_string(instance.port) + " ";
    auto deadline = Clock::now() + kStartTimeout;
    while (Clock::now() < deadline && instance.process->running()) {
      try {
        if (instance.process->log().find(listening) != std::string::npos
            && instance.http().get("/api/health-check").status == 200) {
          return instance;
        }
      } catch (const std::exception&) {
        // not answering yet
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    auto text = instance.process->log();
    bool port_taken =
        !instance.process->running() && text.find("cannot listen") != std::string::npos;
    if (port_taken && attempt < 5) {
      if (port != 0) std::this_thread::sleep_for(std::chrono::milliseconds(200));
      continue;
    }
    throw std::runtime_error("cruddur serve did not start:\n" + text);
  }
}

void ScaleTest::start_instances(std::size_t count,
                                const std::map<std::string, std::string>& overrides) {
  for (std::size_t i = 0; i < count; ++i) instances_.push_back(start_instance(overrides));
}

void ScaleTest::stop_instance(Instance& instance) {
  instance.process->signal(SIGTERM);
  EXPECT_EQ(instance.process->wait_exit(std::chrono::seconds(30)), std::optional<int>(0))
      << instance.process->log_path();
}

void ScaleTest::start_haproxy() {
  std::vector<std::string> args{"haproxy", "start"};
  for (const auto& instance : instances_) args.push_back(std::to_string(instance.port));
  topology(args);
  haproxy_ = true;
  auto port = static_cast<std::uint16_t>(std::stoi(urls_.at("HAPROXY_URL").substr(17)));
  HttpClient balancer(port);
  // Up when every instance has answered a request through it (round robin).
  std::size_t answered = 0;
  for (auto deadline = Clock::now() + kStartTimeout; Clock::now() < deadline;) {
    try {
      answered = balancer.get("/api/health-check").status == 200 ? answered + 1 : 0;
    } catch (const std::exception&) {
      answered = 0;
    }
    if (answered >= 2 * instances_.size()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL() << "haproxy did not come up";
}

void ScaleTest::start_pgbouncer() {
  topology({"pgbouncer", "start"});
}

std::string ScaleTest::token(const std::string& handle) const {
  auto store = aws::DevKeyStore::open(dir_ / "dev-jwt");
  return aws::mint_dev_token(store, {"MOCK-" + handle, handle});
}

std::string ScaleTest::bearer(const std::string& handle) const {
  return "Bearer " + token(handle);
}

std::optional<double> ScaleTest::metric(const Instance& instance, const std::string& name) {
  auto reply = instance.http().get("/metrics");
  if (reply.status != 200) return std::nullopt;
  std::istringstream lines(reply.body);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(name + " ", 0) == 0) return std::stod(line.substr(name.size() + 1));
  }
  return std::nullopt;
}

bool ScaleTest::wait_for_metric(const Instance& instance, const std::string& name,
                                const std::function<bool(double)>& ok, std::chrono::seconds bound) {
  for (auto deadline = Clock::now() + bound; Clock::now() < deadline;) {
    auto value = metric(instance, name);
    if (value && ok(*value)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::unique_ptr<ChildProcess> ScaleTest::start_wrk(unsigned connections, const std::string& writer,
                                                   std::chrono::seconds longest) {
  auto log = dir_ / ("wrk-" + std::to_string(++log_counter_) + ".log");
  return std::make_unique<ChildProcess>(
      std::vector<std::string>{"wrk", "-t", "2", "-c", std::to_string(connections), "-d",
                               std::to_string(longest.count()) + "s", "--timeout", "10s", "-s",
                               std::string(CRUDDUR_SOURCE_DIR) + "/tests/scale/load.lua",
                               urls_.at("HAPROXY_URL")},
      std::map<std::string, std::string>{{"CRUDDUR_TOKEN", token(writer)}}, log);
}

WrkResult ScaleTest::finish_wrk(ChildProcess& wrk) {
  wrk.signal(SIGINT);
  EXPECT_EQ(wrk.wait_exit(std::chrono::seconds(30)), std::optional<int>(0)) << wrk.log();
  return parse_wrk(wrk.log());
}

std::string ScaleTest::primary_value(const std::string& sql) const {
  auto connection = db::Connection::open(urls_.at("PRIMARY_URL"));
  return std::string(connection.exec(sql).one_field());
}

}  // namespace cruddur::test
