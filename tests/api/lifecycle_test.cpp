// The server's life: graceful SIGTERM with a request in flight, `--prod` (PROD_CONNECTION_URL,
// Cognito required, development tokens refused), and readiness when the database is missing.
#include <gtest/gtest.h>
#include <signal.h>

#include <future>
#include <thread>

#include "api_fixture.hpp"
#include "cruddur/db/conninfo.hpp"

namespace {

using cruddur::test::ApiTest;
using cruddur::test::connection_refused;
using cruddur::test::HttpClient;
using cruddur::test::HttpReply;
using cruddur::test::moto_cognito;
using nlohmann::json;

using cruddur::test::eventually;
using cruddur::test::kGenerousBound;

TEST_F(ApiTest, SigtermFinishesTheRequestInFlightRefusesNewConnectionsAndExitsZero) {
  auto slow = start_server({{"DB_STATEMENT_TIMEOUT_MS", "120000"}});
  HttpClient client(slow.port);
  // Hold the feed's table so the request below waits inside Postgres.
  auto locker = lock_activities();
  auto in_flight =
      std::async(std::launch::async, [&client] { return client.get("/api/activities/home"); });
  ASSERT_TRUE(a_request_waits_on_activities()) << "the request never reached the database";

  // A keep-alive connection idle between requests.
  cruddur::test::RawConnection idle(slow.port);
  ASSERT_TRUE(idle.send("GET /api/health-check HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto first = idle.read_until_closed(std::chrono::seconds(2));
  EXPECT_FALSE(first.closed);
  EXPECT_NE(first.bytes.find(R"({"success":true,"ver":1})"), std::string::npos) << first.bytes;

  slow.process->signal(SIGTERM);
  EXPECT_TRUE(eventually([&] { return connection_refused(slow.port); }))
      << "new connections are still accepted after SIGTERM";
  EXPECT_TRUE(idle.read_until_closed(kGenerousBound).closed)
      << "an idle keep-alive connection must be closed on SIGTERM";
  EXPECT_TRUE(slow.process->running()) << "exited with a request in flight";

  locker.exec("COMMIT");
  ASSERT_EQ(in_flight.wait_for(kGenerousBound), std::future_status::ready);
  auto reply = in_flight.get();
  EXPECT_EQ(reply.status, 200u) << reply.body;
  EXPECT_EQ(reply.json().size(), 2u) << reply.body;
  EXPECT_EQ(slow.process->wait_exit(kGenerousBound), std::optional<int>(0)) << slow.process->log();
  auto log = slow.process->log();
  EXPECT_NE(log.find("signal 15"), std::string::npos) << log;
  extra_servers_.push_back(std::move(slow.process));
}

// Issue 14 item 6: a second SIGTERM while draining exits at once with 128 + the signal, without
// waiting for the request held in flight (the drain alone would wait for it up to 10 s and then
// exit 0).
TEST_F(ApiTest, ASecondSigtermExitsAtOnce) {
  auto slow = start_server({{"DB_STATEMENT_TIMEOUT_MS", "120000"}});
  HttpClient client(slow.port);
  auto locker = lock_activities();
  auto in_flight =
      std::async(std::launch::async, [&client] { return client.get("/api/activities/home"); });
  ASSERT_TRUE(a_request_waits_on_activities()) << "the request never reached the database";
  slow.process->signal(SIGTERM);
  ASSERT_TRUE(eventually([&] { return connection_refused(slow.port); }))
      << "the first SIGTERM did not stop the listener";
  EXPECT_TRUE(slow.process->running()) << "exited with a request in flight after one SIGTERM";
  slow.process->signal(SIGTERM);
  EXPECT_EQ(slow.process->wait_exit(kGenerousBound), std::optional<int>(128 + SIGTERM))
      << slow.process->log();
  EXPECT_NE(slow.process->log().find("again: exiting now"), std::string::npos)
      << slow.process->log();
  locker.exec("ROLLBACK");
  in_flight.wait();  // the client saw the connection close
  extra_servers_.push_back(std::move(slow.process));
}

TEST_F(ApiTest, StatementTimeoutIs504AndTheServerKeepsServing) {
  auto impatient = start_server({{"DB_STATEMENT_TIMEOUT_MS", "1000"}});
  HttpClient client(impatient.port);
  auto locker = lock_activities();
  auto timed_out = client.get("/api/activities/home");
  EXPECT_EQ(timed_out.status, 504u) << timed_out.body;
  EXPECT_EQ(timed_out.json().value("code", ""), "db_timeout") << timed_out.body;
  auto create =
      client.post("/api/activities", R"({"message":"blocked","ttl":"1-day"})", moto_bearer());
  EXPECT_EQ(create.status, 504u) << create.body;
  locker.exec("ROLLBACK");
  // On a starved machine the first request after the lock may itself need more than 1 s.
  HttpReply after;
  EXPECT_TRUE(eventually([&] {
    after = client.get("/api/activities/home");
    return after.status == 200u;
  })) << after.status
      << " " << after.body;
  EXPECT_EQ(after.json().size(), 2u) << "the timed-out insert left nothing behind";
  impatient.process->signal(SIGTERM);
  EXPECT_EQ(impatient.process->wait_exit(kGenerousBound), std::optional<int>(0));
  extra_servers_.push_back(std::move(impatient.process));
}

TEST_F(ApiTest, ProdServesFromProdConnectionUrlAndRefusesDevelopmentTokens) {
  // CONNECTION_URL points nowhere: only PROD_CONNECTION_URL can make /api/ready answer 200.
  auto prod =
      start_server({{"CONNECTION_URL", "postgresql://nobody@127.0.0.1:1/nowhere?connect_timeout=2"},
                    {"PROD_CONNECTION_URL", url_},
                    {"COGNITO_JWKS_URL", "https://127.0.0.1:1/jwks.json"}},
                   {"serve", "--prod"});
  HttpClient client(prod.port);
  auto ready = client.get("/api/ready");
  EXPECT_EQ(ready.status, 200u) << ready.body;
  auto feed = client.get("/api/activities/home");
  ASSERT_EQ(feed.status, 200u) << feed.body;
  EXPECT_EQ(feed.json().size(), 2u);

  auto minted = run_cruddur({"dev-token", "--handle", "andrewbrown"});
  ASSERT_EQ(minted.exit_code, 0) << minted.err;
  auto bearer = "Bearer " + minted.out.substr(0, minted.out.find('\n'));
  auto refused =
      client.post("/api/activities", R"({"message":"dev in prod","ttl":"1-day"})", bearer);
  EXPECT_EQ(refused.status, 401u) << refused.body;
  EXPECT_EQ(refused.body, "{}");
  // The same token is good on the development server: the refusal is --prod's doing.
  auto accepted =
      http().post("/api/activities", R"({"message":"dev in dev","ttl":"1-day"})", bearer);
  EXPECT_EQ(accepted.status, 200u) << accepted.body;

  prod.process->signal(SIGTERM);
  EXPECT_EQ(prod.process->wait_exit(kGenerousBound), std::optional<int>(0));
  EXPECT_NE(prod.process->log().find("(production)"), std::string::npos) << prod.process->log();
  extra_servers_.push_back(std::move(prod.process));
}

TEST_F(ApiTest, ProdRefusesToStartWithoutCognitoConfigOrProdUrl) {
  auto env = server_env(cruddur::test::free_port());
  env["PROD_CONNECTION_URL"] = url_;
  env["COGNITO_JWKS_URL"] = "https://127.0.0.1:1/jwks.json";
  auto without = [&env](std::initializer_list<const char*> names) {
    auto copy = env;
    for (const auto* name : names) copy[name] = "";
    return copy;
  };
  auto serve = [this](const std::map<std::string, std::string>& vars) {
    return cruddur::test::run_process({CRUDDUR_BIN, "serve", "--prod"}, vars,
                                      std::chrono::seconds(60));
  };
  auto no_pool = serve(without({"AWS_COGNITO_USER_POOL_ID"}));
  EXPECT_NE(no_pool.exit_code, 0);
  EXPECT_NE(no_pool.exit_code, -1) << "it started and had to be killed";
  EXPECT_NE(no_pool.err.find("AWS_COGNITO_USER_POOL_ID"), std::string::npos) << no_pool.err;
  auto no_client = serve(without({"AWS_COGNITO_USER_POOL_CLIENT_ID"}));
  EXPECT_NE(no_client.exit_code, 0);
  EXPECT_NE(no_client.exit_code, -1);
  EXPECT_NE(no_client.err.find("AWS_COGNITO_USER_POOL_CLIENT_ID"), std::string::npos)
      << no_client.err;
  auto plain_jwks = env;
  plain_jwks["COGNITO_JWKS_URL"] = moto_cognito().at("jwks_url").get<std::string>();
  auto http_jwks = serve(plain_jwks);
  EXPECT_NE(http_jwks.exit_code, 0);
  EXPECT_NE(http_jwks.exit_code, -1);
  EXPECT_NE(http_jwks.err.find("https://"), std::string::npos) << http_jwks.err;
  auto no_url = serve(without({"PROD_CONNECTION_URL"}));
  EXPECT_NE(no_url.exit_code, 0);
  EXPECT_NE(no_url.exit_code, -1);
  EXPECT_NE(no_url.err.find("PROD_CONNECTION_URL"), std::string::npos) << no_url.err;
  for (const auto* result : {&no_pool, &no_client, &http_jwks, &no_url}) {
    EXPECT_EQ(result->err.find(password_), std::string::npos) << "password in an error message";
  }
}

TEST_F(ApiTest, ReadyIs503WhileTheDatabaseIsMissingAndHealthCheckStays200) {
  auto missing = start_server(
      {{"CONNECTION_URL", cruddur::db::ConnInfo(admin_url_).with_database(name_ + "_missing")},
       {"DB_ACQUIRE_TIMEOUT_MS", "2000"}});
  HttpClient client(missing.port);
  EXPECT_EQ(client.get("/api/health-check").status, 200u);
  auto ready = client.get("/api/ready");
  EXPECT_EQ(ready.status, 503u) << ready.body;
  EXPECT_EQ(ready.json().value("code", ""), "db_unavailable") << ready.body;
  EXPECT_EQ(ready.header("Retry-After"), "1");
  auto feed = client.get("/api/activities/home");
  EXPECT_EQ(feed.status, 503u) << feed.body;
  EXPECT_EQ(feed.json().value("code", ""), "db_unavailable") << feed.body;
  missing.process->signal(SIGTERM);
  EXPECT_EQ(missing.process->wait_exit(kGenerousBound), std::optional<int>(0));
  extra_servers_.push_back(std::move(missing.process));
}

}  // namespace
