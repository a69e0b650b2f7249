#pragma once
// Test support for the fault suite: the API fixture on a PostgreSQL cluster of the test's own
// (scripts/local-postgres in a temporary directory, on a free port, with a known password), so a
// test can stop, restart or starve it without touching the shared test server; and a load of
// concurrent clients whose every answer is recorded.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "api_fixture.hpp"

namespace cruddur::test {

using Clock = std::chrono::steady_clock;

/// ApiTest on a private cluster. Servers get `DB_ACQUIRE_TIMEOUT_MS` = kAcquireTimeout and no
/// feed cache (`CACHE_URL=none://`), so every read goes to the database under test.
class FaultTest : public ApiTest {
 protected:
  static constexpr auto kAcquireTimeout = std::chrono::milliseconds(2000);

  void SetUp() override;
  void TearDown() override;
  [[nodiscard]] std::map<std::string, std::string> server_env(std::uint16_t port) const override;

  /// `scripts/local-postgres <command>` on the private cluster (start, stop, restart); throws
  /// with its output when it fails.
  void pg_ctl(const std::string& command) const;
  /// The private cluster's superuser password (scram-sha-256).
  [[nodiscard]] const std::string& cluster_password() const { return cluster_password_; }

 private:
  std::map<std::string, std::string> cluster_env() const;

  std::filesystem::path cluster_dir_;
  std::uint16_t cluster_port_ = 0;
  std::string cluster_password_;
  bool cluster_started_ = false;
};

/// Why a request of a Load got no answer.
enum class Failure {
  none,        ///< it was answered
  refused,     ///< the connection was refused
  unanswered,  ///< the connection was closed or reset before any byte of an answer
  other,       ///< anything else, e.g. an answer cut short
};

/// One request of a Load: when it was sent, how long its answer took, its status (0 when no
/// answer came: then `failure` and `error` say why) and, for a 200 create, the new uuid.
struct Outcome {
  Clock::time_point sent;
  std::chrono::milliseconds elapsed{0};
  bool create = false;
  unsigned status = 0;
  Failure failure = Failure::none;
  std::string error;
  std::string created_uuid;
};

/// `workers` threads, each alternating GET /api/activities/home and POST /api/activities (as
/// `bearer`) on a new connection per request, until stop().
class Load {
 public:
  Load(std::uint16_t port, std::string bearer, unsigned workers);
  ~Load();
  Load(const Load&) = delete;
  Load& operator=(const Load&) = delete;

  /// Stops the workers (each finishes its request) and returns every outcome.
  std::vector<Outcome> stop();
  /// Requests answered 200 so far.
  [[nodiscard]] std::size_t ok_count() const { return ok_.load(); }
  /// Blocks until `count` more requests have been answered 200 (false after `bound`).
  bool wait_for_more_ok(std::size_t count, std::chrono::seconds bound) const;

 private:
  void work(unsigned worker);

  std::uint16_t port_;
  std::string bearer_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> ok_{0};
  std::mutex mutex_;
  std::vector<Outcome> outcomes_;
  std::vector<std::thread> threads_;
};

/// The uuids of the creates answered 200.
std::vector<std::string> created_uuids(const std::vector<Outcome>& outcomes);

/// A Postgres array literal of `values` (uuids: no quoting needed).
std::string pg_array(const std::vector<std::string>& values);

/// Time from `since` until GET /api/activities/home first answers 200 (polling; a bound when it
/// never does within `bound`).
std::chrono::milliseconds time_to_first_ok(const HttpClient& client, Clock::time_point since,
                                           std::chrono::seconds bound);

/// How many outcomes have `status`.
std::size_t count_status(const std::vector<Outcome>& outcomes, unsigned status);

}  // namespace cruddur::test
