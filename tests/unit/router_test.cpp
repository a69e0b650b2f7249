// Socket-free routing and the request pipeline: params, 404/405, CORS, error mapping, metrics.
#include "cruddur/http/router.hpp"

#include <gtest/gtest.h>

#include "cruddur/core/percent_encoding.hpp"
#include "cruddur/http/metrics.hpp"
#include "cruddur/http/operational_routes.hpp"
#include "cruddur/http/pipeline.hpp"
#include "cruddur/service/errors.hpp"

namespace {

using namespace cruddur::http;
using cruddur::core::percent_decode;
namespace asio = cruddur::asio;

std::string header(const HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "<absent>";
}

class PipelineTest : public ::testing::Test {
 protected:
  PipelineTest() {
    add_operational_routes(router_, metrics_);
    router_.add("GET", "/api/activities/@:handle/status/:uuid",
                [](RequestContext& context) -> asio::awaitable<HttpResponse> {
                  co_return HttpResponse::json(
                      200, context.param("handle") + "|" + context.param("uuid"));
                });
    router_.add("POST", "/api/activities", [](RequestContext&) -> asio::awaitable<HttpResponse> {
      throw cruddur::service::ValidationError({"message_blank", "ttl_blank"});
      co_return HttpResponse{};
    });
    router_.add("GET", "/api/boom", [](RequestContext&) -> asio::awaitable<HttpResponse> {
      throw std::runtime_error("secret internals");
      co_return HttpResponse{};
    });
    router_.add("GET", "/api/busy", [](RequestContext&) -> asio::awaitable<HttpResponse> {
      throw cruddur::Error("pool_timeout", "no connection");
      co_return HttpResponse{};
    });
  }

  HttpResponse run(HttpRequest request) {
    asio::io_context io;
    HttpResponse response;
    asio::co_spawn(io, pipeline_.handle(std::move(request)),
                   [&](std::exception_ptr, HttpResponse r) { response = std::move(r); });
    io.run();
    return response;
  }

  Metrics metrics_;
  Router router_;
  Pipeline pipeline_{router_, {{"http://localhost:3000"}}, metrics_};
};

TEST_F(PipelineTest, HealthCheckAnswersLikeTheOriginal) {
  auto response = run({"GET", "/api/health-check?x=1", {}, ""});
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(response.body, R"({"success":true,"ver":1})");
  EXPECT_NE(header(response, "X-Request-Id"), "<absent>");
}

TEST_F(PipelineTest, PathParametersAreDecoded) {
  auto response = run({"GET", "/api/activities/@andrew%20b/status/abc", {}, ""});
  EXPECT_EQ(response.body, "andrew b|abc");
  EXPECT_EQ(run({"GET", "/api/activities/@/status/abc", {}, ""}).status, 404u) << "empty handle";
  EXPECT_EQ(run({"GET", "/api/activities/@x%zz/status/abc", {}, ""}).status, 404u);
}

TEST_F(PipelineTest, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  EXPECT_EQ(run({"GET", "/api/nope", {}, ""}).status, 404u);
  auto wrong = run({"DELETE", "/api/health-check", {}, ""});
  EXPECT_EQ(wrong.status, 405u);
  EXPECT_EQ(header(wrong, "Allow"), "GET");
}

TEST_F(PipelineTest, ValidationFailuresAre422ArraysOfCodes) {
  auto response = run({"POST", "/api/activities", {}, "{}"});
  EXPECT_EQ(response.status, 422u);
  EXPECT_EQ(response.body, R"(["message_blank","ttl_blank"])");
}

TEST_F(PipelineTest, UnexpectedErrorsAre500WithoutInternals) {
  auto response = run({"GET", "/api/boom", {}, ""});
  EXPECT_EQ(response.status, 500u);
  EXPECT_EQ(response.body.find("secret"), std::string::npos);
  auto busy = run({"GET", "/api/busy", {}, ""});
  EXPECT_EQ(busy.status, 503u);
  EXPECT_EQ(header(busy, "Retry-After"), "1");
}

TEST_F(PipelineTest, PreflightIsAnsweredForAllowedOrigin) {
  auto response = run({"OPTIONS",
                       "/api/activities",
                       {{"Origin", "http://localhost:3000"},
                        {"Access-Control-Request-Method", "POST"},
                        {"Access-Control-Request-Headers", "authorization,content-type"}},
                       ""});
  EXPECT_EQ(response.status, 204u);
  EXPECT_EQ(header(response, "Access-Control-Allow-Origin"), "http://localhost:3000");
  EXPECT_NE(header(response, "Access-Control-Allow-Headers").find("Authorization"),
            std::string::npos);
  EXPECT_NE(header(response, "Access-Control-Allow-Methods").find("POST"), std::string::npos);
}

TEST_F(PipelineTest, OtherOriginsGetNoCorsGrant) {
  auto response = run({"GET", "/api/health-check", {{"Origin", "http://evil.example"}}, ""});
  EXPECT_EQ(response.status, 200u);
  EXPECT_EQ(header(response, "Access-Control-Allow-Origin"), "<absent>");
  auto allowed = run({"GET", "/api/health-check", {{"Origin", "http://localhost:3000"}}, ""});
  EXPECT_NE(header(allowed, "Access-Control-Expose-Headers").find("Authorization"),
            std::string::npos);
}

TEST_F(PipelineTest, MetricsCountRequestsByRouteAndStatus) {
  run({"GET", "/api/health-check", {}, ""});
  run({"GET", "/api/nope", {}, ""});
  auto scraped = run({"GET", "/metrics", {}, ""});
  EXPECT_EQ(scraped.status, 200u);
  EXPECT_NE(
      scraped.body.find(
          R"(cruddur_http_requests_total{method="GET",route="/api/health-check",status="200"} 1)"),
      std::string::npos)
      << scraped.body;
  EXPECT_NE(scraped.body.find(R"(route="unmatched",status="404")"), std::string::npos);
}

TEST_F(PipelineTest, InventedMethodsShareOneMetricsLabel) {
  run({"M1", "/api/x", {}, ""});
  run({"M2", "/api/x", {}, ""});
  auto scraped = run({"GET", "/metrics", {}, ""}).body;
  EXPECT_EQ(scraped.find("M1"), std::string::npos);
  EXPECT_NE(scraped.find(
                R"(cruddur_http_requests_total{method="other",route="unmatched",status="404"} 2)"),
            std::string::npos)
      << scraped;
}

TEST(QueryParameters, DecodedAndAbsent) {
  HttpRequest request{"GET", "/x?term=hello+world&limit=5&bad=%zz&empty", {}, ""};
  EXPECT_EQ(request.query("term"), "hello world");
  EXPECT_EQ(request.query("limit"), "5");
  EXPECT_EQ(request.query("empty"), "");
  EXPECT_FALSE(request.query("bad"));
  EXPECT_FALSE(request.query("missing"));
}

TEST(PercentDecode, RefusesWhatIsNotUtf8Text) {
  EXPECT_EQ(percent_decode("caf%C3%A9", false), "caf\xC3\xA9");
  EXPECT_EQ(percent_decode("%F0%9F%98%80", false), "\xF0\x9F\x98\x80");
  EXPECT_EQ(percent_decode("%EF%BF%BF", false), "\xEF\xBF\xBF");
  for (const auto* bad : {"%FF", "caf%C3", "%C3%28", "%C0%AF", "%E0%80%AF", "%ED%A0%80",
                          "%F4%90%80%80", "%F8%88%80%80%80", "%80"}) {
    EXPECT_FALSE(percent_decode(bad, false)) << bad;
  }
  EXPECT_FALSE((HttpRequest{"GET", "/x?term=%FF", {}, ""}.query("term")));
}

}  // namespace
