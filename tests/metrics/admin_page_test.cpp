// The admin side without a server: Basic credentials, the dashboard page, the admin settings.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "cruddur/core/config.hpp"
#include "cruddur/core/error.hpp"
#include "cruddur/http/basic_auth.hpp"
#include "cruddur/http/metrics_page.hpp"

namespace cruddur::http {
namespace {

const BasicCredentials kAdmin{"admin", "s3cret: pass"};

TEST(BasicAuth, OnlyTheExactUsernameAndPasswordMatch) {
  // base64("admin:s3cret: pass"): the password may itself hold a colon.
  EXPECT_TRUE(basic_auth_matches("Basic YWRtaW46czNjcmV0OiBwYXNz", kAdmin));
  EXPECT_TRUE(basic_auth_matches("basic YWRtaW46czNjcmV0OiBwYXNz", kAdmin));
  EXPECT_TRUE(basic_auth_matches("BASIC   YWRtaW46czNjcmV0OiBwYXNz ", kAdmin));
  // base64("admin:s3cret: pas"), ("admin:s3cret: passx"), ("Admin:s3cret: pass"), ("admin").
  EXPECT_FALSE(basic_auth_matches("Basic YWRtaW46czNjcmV0OiBwYXM=", kAdmin));
  EXPECT_FALSE(basic_auth_matches("Basic YWRtaW46czNjcmV0OiBwYXNzeA==", kAdmin));
  EXPECT_FALSE(basic_auth_matches("Basic QWRtaW46czNjcmV0OiBwYXNz", kAdmin));
  EXPECT_FALSE(basic_auth_matches("Basic YWRtaW4=", kAdmin));
  for (const char* header :
       {"", "Basic", "Basic ", "Bearer YWRtaW46czNjcmV0OiBwYXNz", "BasicYWRtaW46czNjcmV0OiBwYXNz",
        "Basic YWRtaW46czNjcmV0OiBwYXNz!", "Basic Y", "Digest username=admin"}) {
    EXPECT_FALSE(basic_auth_matches(header, kAdmin)) << header;
  }
}

TEST(BasicAuth, ConstantTimeEqualsIsEquality) {
  EXPECT_TRUE(constant_time_equals("abc", "abc"));
  EXPECT_FALSE(constant_time_equals("abc", "abd"));
  EXPECT_FALSE(constant_time_equals("ab", "abc"));
  EXPECT_FALSE(constant_time_equals("abcabc", "abc"));  // a repetition of the expected value
  EXPECT_FALSE(constant_time_equals("", "abc"));
  EXPECT_TRUE(constant_time_equals("", ""));
}

constexpr const char* kDashboard = R"({"totals":{"users" : 1234567, "activities" : 89},
  "days":[{"day":"2026-11-27","messages":0,"conversations":0,"new_users":3,"new_activities":0},
          {"day":"2026-11-28","messages":12,"conversations":2,"new_users":0,"new_activities":5}]})";

// Every `data-metric="m" data-day="d" data-value="v"` of the page, as "m|d|v" (day empty for
// totals), in page order.
std::vector<std::string> numbers_in(const std::string& html) {
  static const std::regex kNumber(
      R"re(data-metric="([a-z_]+)"(?: data-day="([0-9-]+)")? data-value="(-?[0-9]+)")re");
  std::vector<std::string> out;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), kNumber);
       it != std::sregex_iterator(); ++it) {
    out.push_back((*it)[1].str() + "|" + (*it)[2].str() + "|" + (*it)[3].str());
  }
  return out;
}

TEST(MetricsPage, EveryNumberIsOnThePageTwiceForEachDayOnceForEachTotal) {
  auto html = render_metrics_page(kDashboard);
  auto numbers = numbers_in(html);
  // 2 totals + 4 series × 2 days in the charts + the same 8 in the table.
  ASSERT_EQ(numbers.size(), 18u);
  EXPECT_EQ(numbers[0], "users_total||1234567");
  EXPECT_EQ(numbers[1], "activities_total||89");
  EXPECT_EQ(std::count(numbers.begin(), numbers.end(), "messages|2026-11-28|12"), 2);
  EXPECT_EQ(std::count(numbers.begin(), numbers.end(), "new_users|2026-11-27|3"), 2);
  EXPECT_EQ(std::count(numbers.begin(), numbers.end(), "new_activities|2026-11-28|5"), 2);
  EXPECT_NE(html.find(">1,234,567<"), std::string::npos) << "totals are grouped for reading";
}

TEST(MetricsPage, ItIsOneSelfContainedDocumentWithAChartPerSeries) {
  auto html = render_metrics_page(kDashboard);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  for (const char* id :
       {"series-messages", "series-conversations", "series-new_users", "series-new_activities"}) {
    EXPECT_NE(html.find(std::string("id=\"") + id + "\""), std::string::npos) << id;
  }
  EXPECT_EQ(std::count(html.begin(), html.end(), '<') - std::count(html.begin(), html.end(), '>'),
            0);
  EXPECT_NE(html.find("Sat 28"), std::string::npos) << "bars are labelled by weekday";
}

TEST(MetricsPage, AllZeroSeriesDrawNoBarHeight) {
  auto html = render_metrics_page(
      R"({"totals":{"users":0,"activities":0},"days":[{"day":"2026-11-27","messages":0,)"
      R"("conversations":0,"new_users":0,"new_activities":0}]})");
  EXPECT_EQ(html.find("nan"), std::string::npos);
  EXPECT_NE(html.find("height=\"0.0\""), std::string::npos);
}

TEST(MetricsPage, DataOfAnotherShapeIsAnInternalError) {
  for (const char* bad : {"", "[]", R"({"totals":{}})", R"({"totals":{"users":1,"activities":2}})",
                          R"({"totals":{"users":"1","activities":2},"days":[]})",
                          R"({"totals":{"users":1,"activities":2},"days":[{"day":"x"}]})"}) {
    try {
      (void)render_metrics_page(bad);
      ADD_FAILURE() << "rendered " << bad;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), "internal") << bad;
    }
  }
}

TEST(AdminConfig, BothOrNeitherOfTheCredentials) {
  auto config =
      core::load_config(core::map_env({{"ADMIN_USERNAME", "admin"}, {"ADMIN_PASSWORD", "pw"}}));
  EXPECT_EQ(config.admin_username, "admin");
  EXPECT_EQ(config.admin_password, "pw");
  EXPECT_FALSE(core::load_config(core::map_env({})).admin_username.has_value());
  for (const char* alone : {"ADMIN_USERNAME", "ADMIN_PASSWORD"}) {
    try {
      (void)core::load_config(core::map_env({{alone, "hunter2-secret"}}));
      ADD_FAILURE() << alone << " alone was accepted";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), "invalid_config");
      EXPECT_EQ(std::string(error.what()).find("hunter2-secret"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace cruddur::http
