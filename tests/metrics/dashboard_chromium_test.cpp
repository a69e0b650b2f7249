// The admin dashboard in a real browser: known inputs (users and posts on each of the last 7 days
// in PostgreSQL, messages with their own times in DynamoDB, one of them arriving late), one
// `cruddur metrics sync`, then Debian's headless Chromium opens /admin/metrics with the admin
// credentials: a screenshot is taken (kept under the build directory for people to look at) and
// the rendered DOM's numbers are checked against the database and against the inputs.
#include <fstream>
#include <regex>

#include "metrics_api_fixture.hpp"

namespace cruddur::test {
namespace {

using DashboardTest = MetricsApiTest;

constexpr const char* kChromium = "/usr/bin/chromium";
constexpr int kWidth = 1000;
constexpr int kHeight = 1200;

// Puts message items (pk MSG#<group>, sk <time>#<uuid>) into the table in the order given; each
// spec is "<group>,<days ago>,<hour>". Through boto3, as another writer of the table would.
constexpr const char* kPutMessages = R"py(
import sys, uuid, datetime, boto3
endpoint, table = sys.argv[1], sys.argv[2]
client = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                      aws_access_key_id="testing", aws_secret_access_key="testing")
today = datetime.datetime.now(datetime.timezone.utc).replace(hour=0, minute=0, second=0,
                                                             microsecond=0)
for spec in sys.argv[3:]:
    group, days_ago, hour = spec.split(",")
    created = (today - datetime.timedelta(days=int(days_ago)) +
               datetime.timedelta(hours=int(hour))).isoformat(timespec="microseconds")
    client.put_item(TableName=table, Item={
        "pk": {"S": "MSG#" + group}, "sk": {"S": created + "#" + str(uuid.uuid4())},
        "message_group_uuid": {"S": group}, "created_at": {"S": created},
        "message": {"S": "hello"}})
)py";

std::vector<std::string> chromium(const std::vector<std::string>& action, const std::string& url,
                                  const std::filesystem::path& profile) {
  return {kChromium,
          "--headless",
          "--no-sandbox",
          "--disable-gpu",
          "--disable-quic",
          "--no-first-run",
          "--disable-background-networking",
          "--disable-component-update",
          "--disable-sync",
          "--user-data-dir=" + profile.string(),
          "--window-size=" + std::to_string(kWidth) + "," + std::to_string(kHeight),
          action.front(),
          url};
}

// "metric|day|value" of every number on the page (day empty for the totals).
std::map<std::string, long> numbers_on_page(const std::string& html, std::size_t& found) {
  static const std::regex kNumber(
      R"re(data-metric="([a-z_]+)"(?: data-day="([0-9-]+)")? data-value="(-?[0-9]+)")re");
  std::map<std::string, long> numbers;
  found = 0;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), kNumber);
       it != std::sregex_iterator(); ++it, ++found) {
    auto key = (*it)[1].str() + "|" + (*it)[2].str();
    auto value = std::stol((*it)[3].str());
    auto [entry, added] = numbers.emplace(key, value);
    EXPECT_TRUE(added || entry->second == value) << "the chart and the table disagree on " << key;
  }
  return numbers;
}

std::uint32_t big_endian(const std::string& bytes, std::size_t at) {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i)
    value = (value << 8) | static_cast<unsigned char>(bytes[at + i]);
  return value;
}

TEST_F(DashboardTest, TheBrowserShowsTheNumbersThatAreInTheDatabase) {
  ASSERT_TRUE(std::filesystem::exists(kChromium))
      << kChromium << " is missing: scripts/bootstrap installs Debian's chromium package";
  // Known inputs, index 0 = 6 days ago … 6 = today (UTC). The seed's 4 users, the moto user and
  // the seed's 2 posts were made today.
  const std::vector<long> extra_users{1, 0, 2, 0, 3, 0, 1};
  const std::vector<long> extra_posts{0, 4, 0, 0, 2, 5, 0};
  for (std::size_t i = 0; i < 7; ++i) {
    sql("INSERT INTO users (display_name, handle, email, cognito_user_id, created_at) "
        "SELECT 'Known ' || $1 || '-' || n, 'known' || $1 || '_' || n, 'k' || $1 || n || "
        "'@example.com', 'known-' || $1 || '-' || n, "
        "(now() AT TIME ZONE 'UTC')::date - $1::int + time '12:00' AT TIME ZONE 'UTC' "
        "FROM generate_series(1, $2::int) AS n",
        {std::to_string(6 - i), std::to_string(extra_users[i])});
    sql("INSERT INTO activities (user_uuid, message, created_at, expires_at) "
        "SELECT (SELECT uuid FROM users WHERE handle = 'andrewbrown'), 'post ' || n, "
        "(now() AT TIME ZONE 'UTC')::date - $1::int + time '13:00' AT TIME ZONE 'UTC', "
        "now() + interval '30 days' FROM generate_series(1, $2::int) AS n",
        {std::to_string(6 - i), std::to_string(extra_posts[i])});
  }
  // Conversation A: 2 messages 5 days ago, 1 four days ago. B: 3 three days ago, 1 today.
  // C: 2 today, then one of 2 days ago that arrives last: C moves to 2 days ago.
  const std::string a = "aaaaaaaa-0000-4000-8000-000000000001";
  const std::string b = "bbbbbbbb-0000-4000-8000-000000000002";
  const std::string c = "cccccccc-0000-4000-8000-000000000003";
  auto put = run_process({CRUDDUR_PYTHON, "-c", kPutMessages, endpoint_, table_, a + ",5,9",
                          a + ",5,10", a + ",4,11", b + ",3,8", b + ",3,9", b + ",3,10", b + ",0,1",
                          c + ",0,2", c + ",0,3", c + ",2,23"});
  ASSERT_EQ(put.exit_code, 0) << put.err;
  auto synced = sync();
  ASSERT_EQ(synced.exit_code, 0) << synced.err;

  const std::vector<long> messages{0, 2, 1, 3, 1, 0, 3};
  const std::vector<long> conversations{0, 1, 0, 1, 1, 0, 0};
  const std::vector<long> new_users{1, 0, 2, 0, 3, 0, 6};
  const std::vector<long> new_posts{0, 4, 0, 0, 2, 5, 2};
  auto api = dashboard();
  EXPECT_EQ(api.at("totals"), json::parse(R"({"users":12,"activities":13})"));
  ASSERT_EQ(api.at("days").size(), 7u);
  for (std::size_t i = 0; i < 7; ++i) {
    const auto& day = api.at("days")[i];
    EXPECT_EQ(day.at("messages"), messages[i]) << day;
    EXPECT_EQ(day.at("conversations"), conversations[i]) << day;
    EXPECT_EQ(day.at("new_users"), new_users[i]) << day;
    EXPECT_EQ(day.at("new_activities"), new_posts[i]) << day;
  }

  // The browser: the page behind Basic auth (credentials in the URL, percent-encoded).
  auto url = "http://metrics-admin:s3cret%3A%20metrics%20pass@127.0.0.1:"
             + std::to_string(http().port()) + "/admin/metrics";
  std::filesystem::create_directories(CRUDDUR_METRICS_ARTIFACTS);
  auto png = std::filesystem::path(CRUDDUR_METRICS_ARTIFACTS) / "dashboard.png";
  std::filesystem::remove(png);
  auto shot = run_process(chromium({"--screenshot=" + png.string()}, url, dir_ / "chromium-1"), {},
                          std::chrono::seconds(120));
  ASSERT_EQ(shot.exit_code, 0) << shot.err;
  std::ifstream file(png, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  ASSERT_GT(bytes.size(), 24u) << "no screenshot at " << png;
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_EQ(big_endian(bytes, 16), static_cast<std::uint32_t>(kWidth));
  EXPECT_EQ(big_endian(bytes, 20), static_cast<std::uint32_t>(kHeight));
  EXPECT_GT(bytes.size(), 20'000u) << "a page of charts is not a blank image";

  auto dom = run_process(chromium({"--dump-dom"}, url, dir_ / "chromium-2"), {},
                         std::chrono::seconds(120));
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  std::size_t found = 0;
  auto page = numbers_on_page(dom.out, found);
  EXPECT_EQ(found, 2u + 2u * 4u * 7u) << dom.out.substr(0, 2000);

  // Every number on the page is the database's.
  auto result = connect().exec(
      "SELECT d::date::text, s.name, coalesce(m.value, 0) "
      "FROM generate_series((now() AT TIME ZONE 'UTC')::date - 6, (now() AT TIME ZONE 'UTC')::date,"
      " interval '1 day') AS d "
      "CROSS JOIN unnest(ARRAY['messages', 'conversations', 'new_users', 'new_activities']) AS "
      "s(name) "
      "LEFT JOIN metrics_daily AS m ON m.day = d::date AND m.name = s.name "
      "UNION ALL SELECT '', t.name, (SELECT value FROM metrics_daily WHERE name = t.name "
      "ORDER BY day DESC LIMIT 1) FROM unnest(ARRAY['users_total', 'activities_total']) AS "
      "t(name)");
  std::map<std::string, long> database;
  for (int row = 0; row < result.rows(); ++row) {
    database[std::string(result.value(row, 1)) + "|" + std::string(result.value(row, 0))] =
        std::stol(std::string(result.value(row, 2)));
  }
  EXPECT_EQ(page, database);
  EXPECT_EQ(page["users_total|"], 12);
  EXPECT_EQ(page["activities_total|"], 13);
  std::cout << "dashboard screenshot: " << png.string() << "\n";
}

}  // namespace
}  // namespace cruddur::test
