// Test support for the fault suite: a private PostgreSQL cluster per test and a recorded load.
#include "fault_fixture.hpp"

#include <stdlib.h>
#include <sys/stat.h>

#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/system/system_error.hpp>
#include <random>

#include "subprocess.hpp"

namespace cruddur::test {
namespace {

namespace fs = std::filesystem;

std::string random_hex(std::size_t bytes) {
  std::random_device device;
  std::string text;
  for (std::size_t i = 0; i < bytes; ++i) {
    text += "0123456789abcdef"[device() % 16];
    text += "0123456789abcdef"[device() % 16];
  }
  return text;
}

Failure classify(const boost::system::error_code& code) {
  if (code == boost::asio::error::connection_refused) return Failure::refused;
  if (code == boost::beast::http::error::end_of_stream
      || code == boost::asio::error::connection_reset || code == boost::asio::error::eof) {
    return Failure::unanswered;
  }
  return Failure::other;
}

}  // namespace

std::map<std::string, std::string> FaultTest::cluster_env() const {
  return {{"CRUDDUR_PG_DIR", cluster_dir_.string()},
          {"CRUDDUR_PG_PORT", std::to_string(cluster_port_)},
          {"CRUDDUR_PG_PASSWORD", cluster_password_},
          {"CRUDDUR_PG_OPTIONS", "-c fsync=off -c max_connections=60"}};
}

void FaultTest::pg_ctl(const std::string& command) const {
  auto result = run_process({std::string(CRUDDUR_SOURCE_DIR) + "/scripts/local-postgres", command},
                            cluster_env(), std::chrono::seconds(120));
  if (result.exit_code != 0) {
    throw std::runtime_error("local-postgres " + command + " failed: " + result.out + result.err);
  }
}

void FaultTest::SetUp() {
  char dir_template[] = "/tmp/cruddur-faults-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  cluster_dir_ = dir_template;
  // As root, scripts/local-postgres runs the server as `postgres`, which must reach the cluster.
  ::chmod(cluster_dir_.c_str(), 0755);
  cluster_password_ = "pg-" + random_hex(12);
  // The port was free a moment ago; another test may take it first, then try another.
  for (int attempt = 1; !cluster_started_; ++attempt) {
    cluster_port_ = free_port();
    try {
      pg_ctl("start");
      cluster_started_ = true;
    } catch (const std::exception& error) {
      ASSERT_LT(attempt, 4) << error.what();
    }
  }
  auto admin_url = "postgresql://postgres:" + cluster_password_
                   + "@127.0.0.1:" + std::to_string(cluster_port_) + "/postgres";
  ::setenv("CRUDDUR_TEST_PG_URL", admin_url.c_str(), 1);
  ApiTest::SetUp();
}

void FaultTest::TearDown() {
  ApiTest::TearDown();
  if (cluster_started_) {
    try {
      pg_ctl("stop");
    } catch (const std::exception& error) {
      ADD_FAILURE() << error.what();
    }
  }
  if (!cluster_dir_.empty()) fs::remove_all(cluster_dir_);
}

std::map<std::string, std::string> FaultTest::server_env(std::uint16_t port) const {
  auto env = ApiTest::server_env(port);
  env["DB_ACQUIRE_TIMEOUT_MS"] = std::to_string(kAcquireTimeout.count());
  // Database faults: every read must reach the database (cache faults: tests/api/cache_test).
  env["CACHE_URL"] = "none://";
  return env;
}

Load::Load(std::uint16_t port, std::string bearer, unsigned workers)
    : port_(port), bearer_(std::move(bearer)) {
  for (unsigned i = 0; i < workers; ++i) threads_.emplace_back([this, i] { work(i); });
}

Load::~Load() {
  (void)stop();
}

std::vector<Outcome> Load::stop() {
  stopping_ = true;
  for (auto& thread : threads_) thread.join();
  threads_.clear();
  std::lock_guard lock(mutex_);
  return outcomes_;
}

bool Load::wait_for_more_ok(std::size_t count, std::chrono::seconds bound) const {
  auto target = ok_.load() + count;
  auto deadline = Clock::now() + bound;
  while (ok_.load() < target) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

void Load::work(unsigned worker) {
  HttpClient client(port_);
  for (unsigned n = 0; !stopping_; ++n) {
    Outcome outcome;
    outcome.create = n % 2 == 1;
    outcome.sent = Clock::now();
    try {
      HttpReply reply;
      if (outcome.create) {
        auto message = "load " + std::to_string(worker) + "-" + std::to_string(n);
        reply = client.post("/api/activities",
                            nlohmann::json{{"message", message}, {"ttl", "1-day"}}.dump(), bearer_);
        if (reply.status == 200) outcome.created_uuid = reply.json().value("uuid", "");
      } else {
        reply = client.get("/api/activities/home");
      }
      outcome.status = reply.status;
    } catch (const boost::system::system_error& error) {
      outcome.failure = classify(error.code());
      outcome.error = error.what();
    } catch (const std::exception& error) {
      outcome.failure = Failure::other;
      outcome.error = error.what();
    }
    outcome.elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - outcome.sent);
    bool ok = outcome.status == 200;
    if (ok) ++ok_;
    {
      std::lock_guard lock(mutex_);
      outcomes_.push_back(std::move(outcome));
    }
    // While the server refuses, do not spin.
    if (!ok) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::vector<std::string> created_uuids(const std::vector<Outcome>& outcomes) {
  std::vector<std::string> uuids;
  for (const auto& outcome : outcomes) {
    if (outcome.create && outcome.status == 200) uuids.push_back(outcome.created_uuid);
  }
  return uuids;
}

std::string pg_array(const std::vector<std::string>& values) {
  std::string text = "{";
  for (const auto& value : values) text += (text.size() > 1 ? "," : "") + value;
  return text + "}";
}

std::chrono::milliseconds time_to_first_ok(const HttpClient& client, Clock::time_point since,
                                           std::chrono::seconds bound) {
  auto deadline = since + bound;
  while (Clock::now() < deadline) {
    try {
      if (client.get("/api/activities/home").status == 200) break;
    } catch (const std::exception&) {
      // not answering: try again
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since);
}

std::size_t count_status(const std::vector<Outcome>& outcomes, unsigned status) {
  return static_cast<std::size_t>(std::count_if(
      outcomes.begin(), outcomes.end(), [status](const Outcome& o) { return o.status == status; }));
}

}  // namespace cruddur::test
