#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cruddur::http {

/// Prometheus metrics of the server: requests by route, method and status, a latency histogram
/// by route, and values read from other parts (pool, cache) at scrape time, exported as gauges
/// or, for values that only grow, as counters.
/// Thread-safe.
class Metrics {
 public:
  /// Named values read when /metrics is scraped, e.g. {"cruddur_db_pool_idle", 3}.
  using Source = std::function<std::vector<std::pair<std::string, double>>()>;

  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  void observe(std::string_view route, std::string_view method, unsigned status,
               std::chrono::duration<double> elapsed);
  /// Adds a source of gauges (values that go up and down); call at start-up, before serving.
  void add_source(std::string help, Source source);
  /// Adds a source of counters (totals since start that only grow, named `…_total`); call at
  /// start-up, before serving.
  void add_counters(std::string help, Source source);
  /// The Prometheus text exposition format.
  [[nodiscard]] std::string render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cruddur::http
