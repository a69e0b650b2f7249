// Behind a load balancer (docs/scaling.md): CORS with FRONTEND_URL and BACKEND_URL `*` as the
// original's ECS task definition set them; the keep-alive idle timeout; draining on SIGTERM.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "api_fixture.hpp"

namespace {

using cruddur::test::ApiTest;
using cruddur::test::connection_refused;
using cruddur::test::HttpClient;
using cruddur::test::HttpReply;
using cruddur::test::RawConnection;

using cruddur::test::eventually;
using cruddur::test::kGenerousBound;

class BalancerTest : public ApiTest {};

TEST_F(BalancerTest, AStarAllowsEveryOriginAndEchoesIt) {
  auto server = start_server({{"FRONTEND_URL", "*"}, {"BACKEND_URL", "*"}});
  HttpClient any(server.port);
  extra_servers_.push_back(std::move(server.process));
  for (const char* origin : {"https://d1.cloudfront.net", "http://localhost:3000"}) {
    auto preflight =
        any.request("OPTIONS", "/api/activities",
                    {{"Origin", origin},
                     {"Access-Control-Request-Method", "POST"},
                     {"Access-Control-Request-Headers", "authorization,content-type"}});
    EXPECT_EQ(preflight.status, 204u);
    EXPECT_EQ(preflight.header("Access-Control-Allow-Origin"), origin);
    EXPECT_NE(preflight.header("Access-Control-Allow-Headers").find("Authorization"),
              std::string::npos);
    auto home = any.request("GET", "/api/activities/home?limit=1", {{"Origin", origin}});
    EXPECT_EQ(home.status, 200u);
    EXPECT_EQ(home.header("Access-Control-Allow-Origin"), origin);
    EXPECT_NE(home.header("Access-Control-Expose-Headers").find("Link"), std::string::npos);
  }
  // Without an Origin (not a browser) nothing is granted, and the default server still refuses
  // an origin it does not list.
  EXPECT_FALSE(any.get("/api/activities/home?limit=1").has_header("Access-Control-Allow-Origin"));
  auto listed_only = http().request("GET", "/api/activities/home?limit=1",
                                    {{"Origin", "https://d1.cloudfront.net"}});
  EXPECT_FALSE(listed_only.has_header("Access-Control-Allow-Origin"));
}

// HTTP_IDLE_TIMEOUT_S: a kept-alive connection that brings no next request is closed by the
// server once it has waited that long (75 s by default, above the ALB's 60 s).
TEST_F(BalancerTest, AKeptAliveConnectionIsClosedAfterTheIdleTimeout) {
  auto server = start_server({{"HTTP_IDLE_TIMEOUT_S", "1"}});
  extra_servers_.push_back(std::move(server.process));
  RawConnection connection(server.port);
  ASSERT_TRUE(connection.send("GET /api/health-check HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto received = connection.read_until_closed(kGenerousBound);
  EXPECT_TRUE(received.closed) << "still open after the idle timeout";
  EXPECT_EQ(received.bytes.rfind("HTTP/1.1 200", 0), 0u) << received.bytes;
  EXPECT_EQ(received.bytes.find("Connection: close"), std::string::npos)
      << "the answer itself kept the connection alive";
}

// Draining (issue 13 item 4), with DRAIN_GRACE_S: on SIGTERM /api/ready answers 503 at once while
// the server still serves; after the grace it refuses new connections, finishes the request in
// flight and answers it with `Connection: close`, then exits 0.
TEST_F(BalancerTest, SigtermMakesReadyFailAtOnceThenDrainsWithConnectionClose) {
  auto server = start_server({{"DRAIN_GRACE_S", "4"}, {"DB_STATEMENT_TIMEOUT_MS", "120000"}});
  HttpClient client(server.port);
  ASSERT_EQ(client.get("/api/ready").status, 200u);
  // A request held inside Postgres on a kept-alive connection.
  auto locker = lock_activities();
  RawConnection held(server.port);
  ASSERT_TRUE(held.send("GET /api/activities/home HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(a_request_waits_on_activities()) << "the request never reached the database";

  server.process->signal(SIGTERM);
  HttpReply ready;
  ASSERT_TRUE(eventually([&] {
    ready = client.get("/api/ready");
    return ready.status == 503u;
  })) << ready.status;
  EXPECT_EQ(ready.json().value("code", ""), "draining") << ready.body;
  // Still serving during the grace.
  EXPECT_EQ(client.get("/api/users/@andrewbrown/short").status, 200u);
  EXPECT_EQ(client.get("/api/health-check").status, 200u);

  EXPECT_TRUE(eventually([&] { return connection_refused(server.port); }))
      << "new connections are still accepted after the grace";
  EXPECT_TRUE(server.process->running()) << "exited with a request in flight";
  locker.exec("COMMIT");
  auto answer = held.read_until_closed(kGenerousBound);
  EXPECT_TRUE(answer.closed);
  EXPECT_EQ(answer.bytes.rfind("HTTP/1.1 200", 0), 0u) << answer.bytes;
  EXPECT_NE(answer.bytes.find("Connection: close\r\n"), std::string::npos) << answer.bytes;
  EXPECT_EQ(server.process->wait_exit(kGenerousBound), std::optional<int>(0))
      << server.process->log();
  EXPECT_NE(server.process->log().find("drain grace of 4 s over"), std::string::npos)
      << server.process->log();
  extra_servers_.push_back(std::move(server.process));
}

}  // namespace
