// Behind a load balancer (docs/scaling.md): CORS with FRONTEND_URL and BACKEND_URL `*` as the
// original's ECS task definition set them.
#include <gtest/gtest.h>

#include "api_fixture.hpp"

namespace {

using cruddur::test::ApiTest;
using cruddur::test::HttpClient;

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

}  // namespace
