// Test support for the API suite: database, moto Cognito and the `cruddur serve` child process.
#include "api_fixture.hpp"

#include <signal.h>
#include <stdlib.h>

#include <algorithm>
#include <iostream>
#include <random>
#include <thread>

#include "cruddur/aws/dev_key_store.hpp"
#include "cruddur/db/conninfo.hpp"

namespace cruddur::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr auto kStartTimeout = std::chrono::seconds(30);
constexpr auto kStopTimeout = std::chrono::seconds(30);

std::string random_suffix() {
  std::random_device device;
  return std::to_string(std::uniform_int_distribution<unsigned>(100000, 999999)(device));
}

json set_up_moto_cognito() {
  auto moto_url = required_env("CRUDDUR_TEST_MOTO_URL");
  auto result = run_process({CRUDDUR_PYTHON, CRUDDUR_MOTO_COGNITO_SCRIPT, moto_url}, {},
                            std::chrono::seconds(120));
  if (result.exit_code != 0) {
    throw std::runtime_error("moto_cognito.py failed (" + std::to_string(result.exit_code)
                             + "): " + result.err);
  }
  auto cognito = json::parse(result.out);
  cognito["jwks_url"] =
      moto_url + "/" + cognito.at("pool_id").get<std::string>() + "/.well-known/jwks.json";
  return cognito;
}

}  // namespace

const json& moto_cognito() {
  static const json cognito = set_up_moto_cognito();
  return cognito;
}

std::vector<std::string> keys_of(const json& value) {
  std::vector<std::string> keys;
  for (const auto& item : value.items()) keys.push_back(item.key());
  std::sort(keys.begin(), keys.end());
  return keys;
}

const std::vector<std::string>& activity_keys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> sorted{"uuid",        "display_name",           "handle",
                                    "message",     "replies_count",          "reposts_count",
                                    "likes_count", "reply_to_activity_uuid", "expires_at",
                                    "created_at"};
    std::sort(sorted.begin(), sorted.end());
    return sorted;
  }();
  return keys;
}

void ApiTest::SetUp() {
  admin_url_ = required_env("CRUDDUR_TEST_PG_URL");
  (void)moto_cognito();
  db::ConnInfo admin(admin_url_);
  password_ = admin.get("password");
  ASSERT_FALSE(password_.empty()) << "CRUDDUR_TEST_PG_URL must carry a password";
  name_ = "cruddur_api_" + random_suffix();
  url_ = admin.with_database(name_);
  char dir_template[] = "/tmp/cruddur-api-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  dir_ = dir_template;

  auto setup = run_cruddur({"db", "setup"});
  ASSERT_EQ(setup.exit_code, 0) << setup.out << setup.err;
  sql("INSERT INTO users (display_name, handle, email, cognito_user_id) "
      "VALUES ('Cognito Tester', $1, 'tester@example.com', $2)",
      {kCognitoHandle, moto_cognito().at("sub").get<std::string>()});
  server_ = start_server();
  http_ = std::make_unique<HttpClient>(server_.port);
}

void ApiTest::TearDown() {
  if (server_.process && server_.process->running()) {
    server_.process->signal(SIGTERM);
    auto status = server_.process->wait_exit(kStopTimeout);
    EXPECT_EQ(status, std::optional<int>(0)) << "cruddur serve did not exit 0 on SIGTERM";
  }
  for (auto* process : {server_.process.get()}) {
    if (process == nullptr) continue;
    auto log = process->log();
    EXPECT_EQ(log.find(password_), std::string::npos) << "the database password is in the log";
    if (HasFailure()) std::cerr << "---- server log ----\n" << log << "---- end ----\n";
  }
  for (auto& extra : extra_servers_) {
    EXPECT_EQ(extra->log().find(password_), std::string::npos) << "password in a log";
  }
  server_.process.reset();
  extra_servers_.clear();
  if (!name_.empty()) {
    try {
      auto admin = db::Connection::open(admin_url_);
      admin.exec("DROP DATABASE IF EXISTS " + admin.quote_identifier(name_) + " WITH (FORCE)");
    } catch (const std::exception& error) {
      ADD_FAILURE() << "cannot drop " << name_ << ": " << error.what();
    }
  }
  if (!dir_.empty()) fs::remove_all(dir_);
}

std::map<std::string, std::string> ApiTest::server_env(std::uint16_t port) const {
  const auto& cognito = moto_cognito();
  return {
      {"HOST", "127.0.0.1"},
      {"PORT", std::to_string(port)},
      {"CONNECTION_URL", url_},
      {"PROD_CONNECTION_URL", ""},
      {"FRONTEND_URL", kFrontendUrl},
      {"BACKEND_URL", kBackendUrl},
      {"AWS_DEFAULT_REGION", cognito.at("region").get<std::string>()},
      {"AWS_COGNITO_USER_POOL_ID", cognito.at("pool_id").get<std::string>()},
      {"AWS_COGNITO_USER_POOL_CLIENT_ID", cognito.at("client_id").get<std::string>()},
      {"COGNITO_JWKS_URL", cognito.at("jwks_url").get<std::string>()},
      // Every AWS call of a test server (Cognito GetUser, DynamoDB) goes to the local moto,
      // never to AWS.
      {"AWS_ENDPOINT_URL", required_env("CRUDDUR_TEST_MOTO_URL")},
      {"CRUDDUR_DEV_KEY_DIR", (dir_ / "dev-jwt").string()},
      {"CRUDDUR_DB_DIR", std::string(CRUDDUR_SOURCE_DIR) + "/db"},
      {"CACHE_URL", ""},
      {"LOG_FORMAT", "json"},
      {"LOG_LEVEL", "info"},
      {"THREADS", "2"},
      {"DB_POOL_SIZE", "4"},
  };
}

RunningServer ApiTest::start_server(const std::map<std::string, std::string>& overrides,
                                    const std::vector<std::string>& args) {
  // A free port may be taken by a parallel test before the server binds it: then try another.
  for (int attempt = 1;; ++attempt) {
    RunningServer running;
    running.port = free_port();
    auto env = server_env(running.port);
    for (const auto& [name, value] : overrides) env[name] = value;
    std::vector<std::string> argv{CRUDDUR_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    auto log = dir_ / ("server-" + std::to_string(++log_counter_) + ".log");
    running.process = std::make_unique<ChildProcess>(argv, env, log);
    // Only our own server logs that it listens on this port; a health check alone could reach
    // another test's server that won the port.
    auto listening = "listening on http://127.0.0.1:" + std::to_string(running.port) + " ";
    HttpClient client(running.port);
    auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!running.process->running()) break;
      try {
        if (running.process->log().find(listening) != std::string::npos
            && client.get("/api/health-check").status == 200) {
          return running;
        }
      } catch (const std::exception&) {
        // not answering yet
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    auto text = running.process->log();
    bool port_taken =
        !running.process->running() && text.find("cannot listen") != std::string::npos;
    if (port_taken && attempt < 5) continue;
    throw std::runtime_error("cruddur serve did not start and answer /api/health-check:\n" + text);
  }
}

ProcessResult ApiTest::run_cruddur(std::vector<std::string> args,
                                   std::map<std::string, std::string> env) const {
  args.insert(args.begin(), CRUDDUR_BIN);
  env.try_emplace("CONNECTION_URL", url_);
  env.try_emplace("CRUDDUR_DB_DIR", std::string(CRUDDUR_SOURCE_DIR) + "/db");
  env.try_emplace("CRUDDUR_DEV_KEY_DIR", (dir_ / "dev-jwt").string());
  env.try_emplace("NO_COLOR", "1");
  return run_process(args, env, std::chrono::seconds(120));
}

std::string ApiTest::moto_bearer() {
  return "Bearer " + moto_cognito().at("access_token").get<std::string>();
}

std::string ApiTest::dev_bearer(const std::string& handle) const {
  auto store = aws::DevKeyStore::open(dir_ / "dev-jwt");
  return "Bearer " + aws::mint_dev_token(store, {"MOCK-" + handle, handle});
}

std::string ApiTest::dev_bearer_for_sub(const std::string& sub) const {
  auto store = aws::DevKeyStore::open(dir_ / "dev-jwt");
  return "Bearer " + aws::mint_dev_token(store, {sub, "nobody"});
}

db::Connection ApiTest::connect() const {
  return db::Connection::open(url_, {{"application_name", "cruddur-api-test"}});
}

db::Connection ApiTest::lock_activities() const {
  auto locker = connect();
  locker.exec("BEGIN");
  locker.exec("LOCK TABLE activities IN ACCESS EXCLUSIVE MODE");
  return locker;
}

bool ApiTest::a_request_waits_on_activities() const {
  auto observer = connect();
  return eventually([&] {
    return observer
               .exec_params(
                   "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 "
                   "AND wait_event_type = 'Lock' AND query LIKE '%activities%'",
                   {name_})
               .one_field()
           != "0";
  });
}

std::string ApiTest::sql_value(const std::string& sql,
                               const std::vector<std::optional<std::string>>& params) const {
  return std::string(connect().exec_params(sql, params).one_field());
}

void ApiTest::sql(const std::string& sql,
                  const std::vector<std::optional<std::string>>& params) const {
  (void)connect().exec_params(sql, params);
}

}  // namespace cruddur::test
