#pragma once
// Test support for the scale-out suite: the topology of scripts/local-scale (a primary, a streaming
// replica, PgBouncer in transaction mode, HAProxy) in a directory of the test's own on free ports,
// N real `cruddur serve` instances, development tokens, wrk runs and /metrics readings.

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http_client.hpp"
#include "server_process.hpp"

namespace cruddur::test {

/// What one `wrk` run reported. `failed()` counts every request that did not get a 2xx/3xx
/// answer: non-2xx/3xx answers and socket errors (connect, read, write, timeout).
struct WrkResult {
  std::uint64_t requests = 0;
  double requests_per_second = 0;
  std::uint64_t non_2xx = 0;
  std::uint64_t connect_errors = 0, read_errors = 0, write_errors = 0, timeouts = 0;
  std::string output;
  [[nodiscard]] std::uint64_t failed() const {
    return non_2xx + connect_errors + read_errors + write_errors + timeouts;
  }
};

/// Parses wrk's summary.
WrkResult parse_wrk(const std::string& output);

/// One `cruddur serve` of the test.
struct Instance {
  std::unique_ptr<ChildProcess> process;
  std::uint16_t port = 0;
  std::map<std::string, std::string> env;
  [[nodiscard]] HttpClient http() const { return HttpClient(port); }
};

/// Each test: its own primary (with the schema, migrations and seed) and streaming replica, on
/// free ports, in a temporary directory; PgBouncer and HAProxy when the test starts them. TearDown
/// stops every instance with SIGTERM (each must exit 0, and no log may show the database
/// password), then the topology, and removes the directory.
class ScaleTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// `scripts/local-scale <args>` for this test's topology; throws with its output on failure.
  std::string topology(const std::vector<std::string>& args) const;

  /// The environment of an instance: the primary, the replica for reads, the development key,
  /// memory cache, 2 threads, a small pool; `overrides` on top (an empty value unsets).
  [[nodiscard]] std::map<std::string, std::string> instance_env(
      const std::map<std::string, std::string>& overrides = {}) const;
  /// Starts an instance on `port` (0: a free one) and waits until it answers /api/health-check.
  Instance start_instance(const std::map<std::string, std::string>& overrides = {},
                          std::uint16_t port = 0);
  /// Starts `count` instances (appended to instances_).
  void start_instances(std::size_t count, const std::map<std::string, std::string>& overrides = {});
  /// SIGTERM, then expects exit status 0 within 30 s.
  static void stop_instance(Instance& instance);

  /// HAProxy in front of every instance in instances_ (their ports), waiting until each is up.
  void start_haproxy();
  /// PgBouncer (transaction mode) in front of the primary.
  void start_pgbouncer();

  /// `Bearer <token>` for the seed user `handle` (cognito_user_id MOCK-<handle>).
  [[nodiscard]] std::string bearer(const std::string& handle) const;
  /// The raw token (no `Bearer `), for wrk's load script.
  [[nodiscard]] std::string token(const std::string& handle) const;

  /// An unlabelled value on an instance's /metrics (nullopt when absent).
  static std::optional<double> metric(const Instance& instance, const std::string& name);
  /// Waits until `metric` of `instance` satisfies `ok` (false after `bound`).
  static bool wait_for_metric(const Instance& instance, const std::string& name,
                              const std::function<bool(double)>& ok,
                              std::chrono::seconds bound = std::chrono::seconds(30));

  /// Starts wrk against HAProxy with tests/scale/load.lua (reads, and a create as `writer` every
  /// tenth request) with `connections` connections, for at most `longest`.
  [[nodiscard]] std::unique_ptr<ChildProcess> start_wrk(
      unsigned connections, const std::string& writer,
      std::chrono::seconds longest = std::chrono::seconds(120));
  /// Stops it (SIGINT: wrk finishes and prints its summary) and reads its summary.
  static WrkResult finish_wrk(ChildProcess& wrk);

  /// The single value of `sql` on the primary.
  [[nodiscard]] std::string primary_value(const std::string& sql) const;

  std::filesystem::path dir_;
  std::map<std::string, std::string> urls_;  ///< from `local-scale env`: PRIMARY_URL, …
  std::string password_;
  std::vector<Instance> instances_;
  bool haproxy_ = false;

 private:
  int log_counter_ = 0;
};

}  // namespace cruddur::test
