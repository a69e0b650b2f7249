// Socket-free routing: health check, unknown routes, wrong methods.
#include "cruddur/http/router.hpp"

#include <gtest/gtest.h>

using cruddur::http::HttpRequest;
using cruddur::http::Router;

TEST(Router, HealthCheckAnswersLikeTheOriginal) {
  auto response = Router{}.handle({"GET", "/api/health-check", {}, ""});
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"success":true,"ver":1})");
}

TEST(Router, QueryStringDoesNotChangeTheRoute) {
  EXPECT_EQ(Router{}.handle({"GET", "/api/health-check?x=1", {}, ""}).status, 200u);
}

TEST(Router, UnknownPathIsJson404) {
  auto response = Router{}.handle({"GET", "/api/nope", {}, ""});
  EXPECT_EQ(response.status, 404u);
  EXPECT_EQ(response.body, R"({"code":"not_found","message":"no such route"})");
}

TEST(Router, WrongMethodIs405WithAllow) {
  auto response = Router{}.handle({"DELETE", "/api/health-check", {}, ""});
  EXPECT_EQ(response.status, 405u);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Allow");
  EXPECT_EQ(response.headers[0].second, "GET");
}
