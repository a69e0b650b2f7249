#pragma once
// Test support for the API suite: a fresh database (`cruddur db setup`), Cognito on moto_server
// (pool, client, user, tokens), and the real `cruddur serve` binary started on a free port.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cruddur/db/connection.hpp"
#include "http_client.hpp"
#include "server_process.hpp"
#include "subprocess.hpp"

namespace cruddur::test {

/// What tests/auth/moto_cognito.py made on the moto_server: region, pool_id, client_id,
/// other_client_id, sub, username, access_token, id_token, other_access_token; plus jwks_url.
/// Made once per test process. Throws naming CRUDDUR_TEST_MOTO_URL when it is not set.
const nlohmann::json& moto_cognito();

/// The handle under which the moto user (its `sub` as cognito_user_id) is inserted.
inline constexpr const char* kCognitoHandle = "cognitotester";
/// The CORS origins the servers are started with (FRONTEND_URL, BACKEND_URL).
inline constexpr const char* kFrontendUrl = "http://frontend.cruddur.test:3000";
inline constexpr const char* kBackendUrl = "http://backend.cruddur.test:4567";

/// The bound of every wait for something that must happen (generous: a loaded machine).
inline constexpr auto kGenerousBound = std::chrono::seconds(60);

/// Whether `predicate` holds within `bound`, asked every 50 ms.
template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::seconds bound = kGenerousBound) {
  auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return predicate();
}

/// A `cruddur serve` child on a free port, with its log (LOG_FORMAT=json) in a file.
struct RunningServer {
  std::unique_ptr<ChildProcess> process;
  std::uint16_t port = 0;
};

/// Each test: a database of its own set up by the real binary (schema, migrations, seed) plus
/// the moto user, and a development server (`cruddur serve`) pointed at it and at moto's JWKS.
/// TearDown sends SIGTERM and expects exit status 0, checks that no log line shows the
/// database password, and drops the database.
class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// The environment of a development server on `port` (see the class comment).
  [[nodiscard]] virtual std::map<std::string, std::string> server_env(std::uint16_t port) const;
  /// Starts `cruddur <args>` with `server_env` + `overrides` and waits until
  /// /api/health-check answers 200 (throws with the log when it exits or never answers).
  RunningServer start_server(const std::map<std::string, std::string>& overrides = {},
                             const std::vector<std::string>& args = {"serve"});
  /// Runs the `cruddur` binary to completion with the test database's environment.
  ProcessResult run_cruddur(std::vector<std::string> args,
                            std::map<std::string, std::string> env = {}) const;

  /// The HTTP client of the server SetUp started.
  [[nodiscard]] const HttpClient& http() const { return *http_; }
  [[nodiscard]] ChildProcess& server() { return *server_.process; }

  /// `Bearer <moto access token>` of the moto user (handle kCognitoHandle).
  [[nodiscard]] static std::string moto_bearer();
  /// `Bearer <token>` minted with the server's development key for the seed user `handle`
  /// (`sub` MOCK-<handle>), or for any `sub`.
  [[nodiscard]] std::string dev_bearer(const std::string& handle) const;
  [[nodiscard]] std::string dev_bearer_for_sub(const std::string& sub) const;

  [[nodiscard]] db::Connection connect() const;
  /// A connection holding `activities` in ACCESS EXCLUSIVE mode until it commits or closes: the
  /// feed's reads wait inside PostgreSQL.
  [[nodiscard]] db::Connection lock_activities() const;
  /// Whether a statement on `activities` waits for a lock in the test database within
  /// kGenerousBound (a request reached PostgreSQL and is held there).
  [[nodiscard]] bool a_request_waits_on_activities() const;
  /// The single value of `sql` run against the test database.
  std::string sql_value(const std::string& sql,
                        const std::vector<std::optional<std::string>>& params = {}) const;
  void sql(const std::string& sql,
           const std::vector<std::optional<std::string>>& params = {}) const;

  std::filesystem::path dir_;  ///< temporary directory of this test (logs, development key)
  std::string admin_url_;
  std::string password_;
  std::string name_;  ///< the test database
  std::string url_;   ///< its URL
  RunningServer server_;
  std::unique_ptr<HttpClient> http_;
  std::vector<std::unique_ptr<ChildProcess>> extra_servers_;

 private:
  int log_counter_ = 0;
};

/// The JSON object keys of `value`, sorted.
std::vector<std::string> keys_of(const nlohmann::json& value);

/// The feed fields of an activity (ARCHITECTURE §7), sorted.
const std::vector<std::string>& activity_keys();

}  // namespace cruddur::test
