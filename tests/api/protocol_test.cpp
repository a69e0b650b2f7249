// The HTTP protocol around the routes, over real sockets: unknown routes, wrong methods, body,
// header and URL limits, malformed requests, idle clients, CORS, metrics, access log (slow clients:
// hostile_input_test.cpp).
#include <gtest/gtest.h>

#include <regex>
#include <sstream>
#include <thread>

#include "api_fixture.hpp"

namespace {

using cruddur::test::ApiTest;
using cruddur::test::HttpReply;
using cruddur::test::keys_of;
using cruddur::test::moto_cognito;
using cruddur::test::RawConnection;
using nlohmann::json;

using cruddur::test::kGenerousBound;

void expect_error(const HttpReply& reply, unsigned status, const std::string& code) {
  EXPECT_EQ(reply.status, status) << reply.body;
  EXPECT_EQ(reply.header("Content-Type"), "application/json");
  auto body = reply.json();
  EXPECT_EQ(keys_of(body), (std::vector<std::string>{"code", "message"})) << reply.body;
  EXPECT_EQ(body.value("code", ""), code) << reply.body;
}

// The status code and JSON body of a raw HTTP/1.1 response.
std::pair<unsigned, json> parse_raw(const std::string& bytes) {
  EXPECT_EQ(bytes.rfind("HTTP/1.1 ", 0), 0u) << bytes;
  if (bytes.size() < 12) return {0, nullptr};
  auto status = static_cast<unsigned>(std::stoul(bytes.substr(9, 3)));
  auto body_at = bytes.find("\r\n\r\n");
  return {status, json::parse(bytes.substr(body_at + 4), nullptr, false)};
}

// Every /api route with a concrete path (method, target).
std::vector<std::pair<std::string, std::string>> api_routes() {
  const std::string uuid = "0a7c5d84-7d1e-4b8e-8f0e-5e1d2c3b0002";
  return {{"GET", "/api/health-check"},
          {"GET", "/api/ready"},
          {"GET", "/api/activities/home"},
          {"GET", "/api/activities/search?term=x"},
          {"GET", "/api/activities/notifications"},
          {"POST", "/api/activities"},
          {"POST", "/api/activities/" + uuid + "/reply"},
          {"GET", "/api/activities/@altbrown"},
          {"GET", "/api/activities/@altbrown/status/" + uuid},
          {"GET", "/api/users/@altbrown/short"},
          {"PUT", "/api/profile/update"},
          {"POST", "/api/profile/update"}};
}

bool contains_token(const std::string& list, const std::string& token) {
  std::string lower_list = list;
  std::string lower_token = token;
  for (auto* text : {&lower_list, &lower_token}) {
    for (auto& c : *text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  std::stringstream items(lower_list);
  for (std::string item; std::getline(items, item, ',');) {
    auto begin = item.find_first_not_of(' ');
    auto end = item.find_last_not_of(' ');
    if (begin != std::string::npos && item.substr(begin, end - begin + 1) == lower_token)
      return true;
  }
  return false;
}

TEST_F(ApiTest, UnknownRoutesAre404Json) {
  expect_error(http().get("/api/nope"), 404, "not_found");
  expect_error(http().get("/api/activities/home/extra"), 404, "not_found");
  expect_error(http().get("/nope"), 404, "not_found");
  expect_error(http().get("/"), 404, "not_found");
  expect_error(http().request("OPTIONS", "/api/nope", {{"Origin", cruddur::test::kFrontendUrl}}),
               404, "not_found");
}

TEST_F(ApiTest, WrongMethodIs405WithAllow) {
  auto del = http().request("DELETE", "/api/activities/home");
  expect_error(del, 405, "method_not_allowed");
  EXPECT_EQ(del.header("Allow"), "GET");
  auto post = http().post("/api/health-check", "{}");
  expect_error(post, 405, "method_not_allowed");
  EXPECT_EQ(post.header("Allow"), "GET");
  auto get = http().get("/api/profile/update");
  expect_error(get, 405, "method_not_allowed");
  EXPECT_TRUE(contains_token(get.header("Allow"), "PUT")) << get.header("Allow");
  EXPECT_TRUE(contains_token(get.header("Allow"), "POST")) << get.header("Allow");
  auto patch = http().request("PATCH", "/api/activities", {}, "{}");
  expect_error(patch, 405, "method_not_allowed");
  EXPECT_EQ(patch.header("Allow"), "POST");
}

TEST_F(ApiTest, BodyOver16KiBIs413) {
  std::string big = R"({"message":")" + std::string(17 * 1024, 'x') + R"(","ttl":"1-day"})";
  expect_error(http().post("/api/activities", big, moto_bearer()), 413, "payload_too_large");
  // Just under the limit the body is read and validated.
  std::string fits = R"({"message":")" + std::string(16 * 1024 - 40, 'x') + R"(","ttl":"1-day"})";
  ASSERT_LE(fits.size(), 16u * 1024);
  auto validated = http().post("/api/activities", fits, moto_bearer());
  EXPECT_EQ(validated.status, 422u) << validated.body;
  EXPECT_EQ(validated.json(), json::array({"message_exceed_max_chars"}));
  EXPECT_EQ(sql_value("SELECT count(*) FROM activities"), "2");
}

TEST_F(ApiTest, OversizedHeadersAndUrlsAre431) {
  auto headers = http().request("GET", "/api/health-check", {{"X-Big", std::string(9000, 'h')}});
  expect_error(headers, 431, "headers_too_large");
  auto url = http().get("/api/activities/search?term=" + std::string(9000, 'u'));
  expect_error(url, 431, "headers_too_large");
  auto many = std::vector<std::pair<std::string, std::string>>{};
  for (int i = 0; i < 200; ++i)
    many.emplace_back("X-Many-" + std::to_string(i), std::string(50, 'm'));
  expect_error(http().request("GET", "/api/health-check", many), 431, "headers_too_large");
  EXPECT_EQ(http().get("/api/health-check").status, 200u) << "the server is still up";
}

TEST_F(ApiTest, MalformedRequestsAre400AndClosed) {
  for (const std::string& garbage :
       {std::string("NOT HTTP AT ALL\r\n\r\n"), std::string("GET / HTTP/1.1\r\nBad Header\r\n\r\n"),
        std::string("POST /api/activities HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n"),
        std::string("GET /api/health-check HTTP/1.1\r\nHost: x\r\n"
                    "Transfer-Encoding: chunked\r\n\r\nzz\r\n")}) {
    RawConnection connection(http().port());
    ASSERT_TRUE(connection.send(garbage));
    auto received = connection.read_until_closed(kGenerousBound);
    EXPECT_TRUE(received.closed) << garbage;
    auto [status, body] = parse_raw(received.bytes);
    EXPECT_EQ(status, 400u) << received.bytes;
    EXPECT_EQ(body.value("code", ""), "bad_request") << received.bytes;
  }
  EXPECT_EQ(http().get("/api/health-check").status, 200u);
}

TEST_F(ApiTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  RawConnection connection(http().port());
  std::string two =
      "GET /api/health-check HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /api/users/@londo/short HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_TRUE(connection.send(two));
  auto received = connection.read_until_closed(kGenerousBound);
  EXPECT_TRUE(received.closed);
  EXPECT_NE(received.bytes.find(R"({"success":true,"ver":1})"), std::string::npos)
      << received.bytes;
  EXPECT_NE(received.bytes.find(R"("handle":"londo")"), std::string::npos) << received.bytes;
}

TEST_F(ApiTest, IdleClientIsDisconnectedEventually) {
  RawConnection idle(http().port());
  auto received = idle.read_until_closed(kGenerousBound);
  EXPECT_TRUE(received.closed) << "an idle connection must not be held forever";
  EXPECT_TRUE(received.bytes.empty()) << received.bytes;
  EXPECT_EQ(http().get("/api/health-check").status, 200u);
}

TEST_F(ApiTest, CorsPreflightIsAnsweredOnEveryApiRouteForBothOrigins) {
  for (const auto* origin : {cruddur::test::kFrontendUrl, cruddur::test::kBackendUrl}) {
    for (const auto& [method, target] : api_routes()) {
      SCOPED_TRACE(std::string(origin) + " " + method + " " + target);
      auto reply =
          http().request("OPTIONS", target,
                         {{"Origin", origin},
                          {"Access-Control-Request-Method", method},
                          {"Access-Control-Request-Headers", "authorization,content-type"}});
      EXPECT_TRUE(reply.status == 204u || reply.status == 200u) << reply.status;
      EXPECT_EQ(reply.header("Access-Control-Allow-Origin"), origin);
      EXPECT_TRUE(contains_token(reply.header("Access-Control-Allow-Methods"), method))
          << reply.header("Access-Control-Allow-Methods");
      EXPECT_TRUE(contains_token(reply.header("Access-Control-Allow-Headers"), "authorization"))
          << reply.header("Access-Control-Allow-Headers");
      EXPECT_TRUE(contains_token(reply.header("Access-Control-Allow-Headers"), "content-type"));
      EXPECT_TRUE(contains_token(reply.header("Access-Control-Expose-Headers"), "authorization"))
          << reply.header("Access-Control-Expose-Headers");
    }
  }
  auto evil = http().request("OPTIONS", "/api/activities",
                             {{"Origin", "https://evil.example"},
                              {"Access-Control-Request-Method", "POST"},
                              {"Access-Control-Request-Headers", "authorization"}});
  EXPECT_FALSE(evil.has_header("Access-Control-Allow-Origin")) << "unknown origins get no grant";
}

TEST_F(ApiTest, CorsHeadersOnActualResponsesIncludingErrors) {
  auto origin =
      std::vector<std::pair<std::string, std::string>>{{"Origin", cruddur::test::kFrontendUrl}};
  auto home = http().request("GET", "/api/activities/home?limit=1", origin);
  EXPECT_EQ(home.status, 200u);
  EXPECT_EQ(home.header("Access-Control-Allow-Origin"), cruddur::test::kFrontendUrl);
  EXPECT_TRUE(contains_token(home.header("Access-Control-Expose-Headers"), "link"));
  EXPECT_TRUE(contains_token(home.header("Access-Control-Expose-Headers"), "authorization"));
  EXPECT_TRUE(contains_token(home.header("Vary"), "origin"));
  auto unauthorized = http().request("POST", "/api/activities", origin, "{}");
  EXPECT_EQ(unauthorized.status, 401u);
  EXPECT_EQ(unauthorized.header("Access-Control-Allow-Origin"), cruddur::test::kFrontendUrl)
      << "the browser must be able to read the 401";
  auto invalid = http().request(
      "POST", "/api/activities",
      {{"Origin", cruddur::test::kBackendUrl}, {"Authorization", moto_bearer()}}, "{}");
  EXPECT_EQ(invalid.status, 422u);
  EXPECT_EQ(invalid.header("Access-Control-Allow-Origin"), cruddur::test::kBackendUrl);
  auto evil = http().request("GET", "/api/activities/home", {{"Origin", "https://evil.example"}});
  EXPECT_EQ(evil.status, 200u);
  EXPECT_FALSE(evil.has_header("Access-Control-Allow-Origin"));
}

TEST_F(ApiTest, MetricsCountRequestsByRouteAndStatusWithLatencyAndPoolGauges) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(http().get("/api/activities/home").status, 200u);
  ASSERT_EQ(http().get("/api/nope").status, 404u);
  ASSERT_EQ(http().post("/api/activities", "{}").status, 401u);
  ASSERT_EQ(http().get("/api/activities/@altbrown").status, 200u);
  auto first = http().get("/metrics");
  auto reply = http().get("/metrics");
  ASSERT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.header("Content-Type").rfind("text/plain", 0), 0u)
      << reply.header("Content-Type");
  const auto& text = reply.body;
  auto has = [&text](const std::string& needle) { return text.find(needle) != std::string::npos; };
  EXPECT_TRUE(has(
      R"(cruddur_http_requests_total{method="GET",route="/api/activities/home",status="200"} 3)"))
      << text;
  EXPECT_TRUE(has(R"(cruddur_http_requests_total{method="GET",route="unmatched",status="404"} 1)"))
      << text;
  EXPECT_TRUE(
      has(R"(cruddur_http_requests_total{method="POST",route="/api/activities",status="401"} 1)"))
      << text;
  EXPECT_TRUE(has(
      R"(cruddur_http_requests_total{method="GET",route="/api/activities/@:handle",status="200"} 1)"))
      << "the route pattern, not the path, is the label: " << text;
  EXPECT_TRUE(has(R"(cruddur_http_request_duration_seconds_count{route="/api/activities/home"} 3)"))
      << text;
  EXPECT_TRUE(has(
      R"(cruddur_http_request_duration_seconds_bucket{route="/api/activities/home",le="+Inf"} 3)"))
      << text;
  for (const auto* gauge : {"cruddur_db_pool_size", "cruddur_db_pool_idle", "cruddur_db_pool_busy",
                            "cruddur_db_pool_waiting"}) {
    std::regex line(std::string("\n") + gauge + " [0-9.e+]+\n");
    EXPECT_TRUE(std::regex_search(text, line)) << gauge << "\n" << text;
    auto type_line = std::string("# TYPE ") + gauge + " gauge";
    auto at = text.find(type_line);
    EXPECT_NE(at, std::string::npos) << gauge;
    EXPECT_EQ(text.find(type_line, at + 1), std::string::npos)
        << gauge << " is exposed twice after two scrapes";
  }
  // Totals that only grow are counters (rate() needs that), exposed once.
  for (const auto* counter : {"cruddur_db_pool_requests_total", "cruddur_db_pool_reconnects_total",
                              "cruddur_db_pool_discards_broken_total", "cruddur_cache_hits_total",
                              "cruddur_cache_misses_total"}) {
    std::regex line(std::string("\n") + counter + " [0-9.e+]+\n");
    EXPECT_TRUE(std::regex_search(text, line)) << counter << "\n" << text;
    auto type_line = std::string("# TYPE ") + counter + " counter";
    auto at = text.find(type_line);
    EXPECT_NE(at, std::string::npos) << counter << "\n" << text;
    EXPECT_EQ(text.find(type_line, at + 1), std::string::npos) << counter << " is exposed twice";
  }
}

TEST_F(ApiTest, AccessLogIsOneJsonObjectPerLineWithTheRequestId) {
  auto reply = http().request("GET", "/api/activities/home?limit=5",
                              {{"X-Request-Id", "api-test-request-42"}});
  ASSERT_EQ(reply.status, 200u);
  EXPECT_EQ(reply.header("X-Request-Id"), "api-test-request-42");
  auto generated = http().request("GET", "/api/nope", {{"X-Request-Id", "has spaces; and=junk"}});
  auto id = generated.header("X-Request-Id");
  EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{16}"))) << id;

  std::string log;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    log = server().log();
    if (log.find("id=" + id) != std::string::npos) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::istringstream lines(log);
  int access_lines = 0;
  bool found_given = false;
  bool found_generated = false;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    auto entry = json::parse(line, nullptr, false);
    ASSERT_TRUE(entry.is_object()) << "not a JSON object: " << line;
    EXPECT_TRUE(entry.contains("ts") && entry.contains("level") && entry.contains("msg")) << line;
    auto msg = entry.value("msg", "");
    if (msg.rfind("access ", 0) != 0) continue;
    ++access_lines;
    if (msg.find("id=api-test-request-42 ") != std::string::npos) {
      found_given = true;
      EXPECT_NE(msg.find("method=GET"), std::string::npos) << msg;
      EXPECT_NE(msg.find("route=/api/activities/home"), std::string::npos) << msg;
      EXPECT_NE(msg.find("status=200"), std::string::npos) << msg;
      EXPECT_EQ(msg.find("limit=5"), std::string::npos) << "the query string stays out: " << msg;
    }
    if (msg.find("id=" + id + " ") != std::string::npos) {
      found_generated = true;
      EXPECT_NE(msg.find("status=404"), std::string::npos) << msg;
    }
  }
  EXPECT_TRUE(found_given) << log;
  EXPECT_TRUE(found_generated) << log;
  EXPECT_GE(access_lines, 3);
  EXPECT_EQ(log.find(moto_cognito().at("access_token").get<std::string>().substr(0, 40)),
            std::string::npos);
}

}  // namespace
