#pragma once
// Integration-test fixture: a fresh database on the cluster of CRUDDUR_TEST_PG_URL with the schema,
// the migrations (in version order) and the seed loaded, an io_context run by two threads, and the
// SQL catalog (db/sql plus the test-only statements of tests/integration/sql).

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cruddur/core/asio.hpp"
#include "cruddur/db/catalog.hpp"
#include "cruddur/db/connection.hpp"
#include "cruddur/db/conninfo.hpp"
#include "cruddur/db/pool.hpp"

namespace cruddur::db::testing {

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

inline std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

class PgTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = env("CRUDDUR_TEST_PG_URL");
    ASSERT_TRUE(url.has_value()) << "CRUDDUR_TEST_PG_URL is not set: run the integration tests "
                                    "through scripts/test, which starts a throwaway PostgreSQL";
    admin_url_ = *url;
    static std::atomic<int> counter{0};
    database_ = "cruddur_pool_test_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    auto admin = Connection::open(admin_url_);
    admin.exec("CREATE DATABASE " + admin.quote_identifier(database_));
    created_ = true;
    url_ = ConnInfo(admin_url_).with_database(database_);
    load_schema();
    catalog_.emplace(
        Catalog::load({source_dir() / "db/sql", source_dir() / "tests/integration/sql"}));
    guard_.emplace(io_.get_executor());
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }

  void TearDown() override {
    pools_.clear();
    guard_.reset();
    for (auto& thread : threads_) thread.join();
    if (created_) {
      auto admin = Connection::open(admin_url_);
      admin.exec("DROP DATABASE IF EXISTS " + admin.quote_identifier(database_) + " WITH (FORCE)");
    }
  }

  static std::filesystem::path source_dir() { return CRUDDUR_SOURCE_DIR; }

  void load_schema() {
    auto connection = Connection::open(url_);
    connection.exec(read_text(source_dir() / "db/schema.sql"));
    std::vector<std::filesystem::path> ups;
    for (const auto& entry : std::filesystem::directory_iterator(source_dir() / "db/migrations")) {
      auto name = entry.path().filename().string();
      if (name.size() > 7 && name.substr(name.size() - 7) == ".up.sql") ups.push_back(entry.path());
    }
    std::sort(ups.begin(), ups.end());  // names start with the version: sorted = version order
    for (const auto& up : ups) connection.exec(read_text(up));
    connection.exec(read_text(source_dir() / "db/seed.sql"));
  }

  PoolOptions options(unsigned size = 4) const {
    PoolOptions options;
    options.url = url_;
    options.size = size;
    options.acquire_timeout = std::chrono::seconds(10);
    options.statement_timeout = std::chrono::seconds(10);
    options.reconnect_backoff_min = std::chrono::milliseconds(20);
    options.reconnect_backoff_max = std::chrono::milliseconds(500);
    return options;
  }

  Pool& make_pool(PoolOptions options) {
    pools_.push_back(std::make_unique<Pool>(io_.get_executor(), *catalog_, std::move(options)));
    return *pools_.back();
  }

  StatementId id(const char* name) const { return catalog_->id(name); }

  /// Runs `task` on the io_context and waits for its result (rethrows its exception).
  template <typename T>
  T run(asio::awaitable<T> task) {
    return asio::co_spawn(io_, std::move(task), asio::use_future).get();
  }

  /// Waits until every connection is connected and idle and nothing waits (or ~20 s pass), then
  /// returns the stats, so that tests can assert that nothing leaked.
  static PoolStats settled(const Pool& pool) {
    for (int i = 0; i < 2000; ++i) {
      auto stats = pool.stats();
      if (stats.idle == stats.size && stats.waiting == 0) return stats;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return pool.stats();
  }

  /// Terminates the pool's sessions on this test's database; returns how many were killed.
  int terminate_pool_sessions() const {
    auto admin = Connection::open(admin_url_);
    auto result = admin.exec_params(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE application_name = 'cruddur' AND datname = $1",
        {database_});
    return std::stoi(std::string(result.one_field()));
  }

  std::string admin_url_;
  std::string database_;
  std::string url_;
  bool created_ = false;
  std::optional<Catalog> catalog_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard_;
  std::vector<std::thread> threads_;
  std::vector<std::unique_ptr<Pool>> pools_;
};

}  // namespace cruddur::db::testing
