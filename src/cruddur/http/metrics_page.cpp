// The admin dashboard page: totals, one server-rendered SVG bar chart per series, and a table.
#include "cruddur/http/metrics_page.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "cruddur/core/error.hpp"

namespace cruddur::http {
namespace {

using nlohmann::json;

struct Series {
  const char* key;    ///< the JSON field of each day
  const char* title;  ///< what the chart shows
  const char* colour;
};

constexpr std::array<Series, 4> kSeries{{
    {"messages", "Messages per day", "#6c5ce7"},
    {"conversations", "New conversations per day", "#00a0b0"},
    {"new_users", "New users per day", "#e17055"},
    {"new_activities", "New posts per day", "#2d9d5c"},
}};

// Chart geometry (SVG user units).
constexpr int kWidth = 420;
constexpr int kHeight = 190;
constexpr int kTop = 26;     // room for the numbers above the bars
constexpr int kBottom = 38;  // room for the day labels
constexpr int kSide = 10;

struct Day {
  std::string date;  ///< YYYY-MM-DD
  std::array<std::int64_t, kSeries.size()> values{};
};

struct Dashboard {
  std::int64_t users = 0;
  std::int64_t activities = 0;
  std::vector<Day> days;
};

[[noreturn]] void malformed() {
  throw Error("internal", "the metrics dashboard data is not in the expected shape");
}

std::int64_t number_at(const json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) malformed();
  return it->get<std::int64_t>();
}

Dashboard parse(std::string_view text) {
  auto document = json::parse(text, nullptr, false);
  if (document.is_discarded() || !document.is_object()) malformed();
  auto totals = document.find("totals");
  auto days = document.find("days");
  if (totals == document.end() || !totals->is_object() || days == document.end()
      || !days->is_array()) {
    malformed();
  }
  Dashboard dashboard{number_at(*totals, "users"), number_at(*totals, "activities"), {}};
  for (const auto& entry : *days) {
    if (!entry.is_object() || !entry.contains("day") || !entry["day"].is_string()) malformed();
    Day day{entry["day"].get<std::string>(), {}};
    for (std::size_t i = 0; i < kSeries.size(); ++i)
      day.values[i] = number_at(entry, kSeries[i].key);
    dashboard.days.push_back(std::move(day));
  }
  return dashboard;
}

std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// 1234567 → "1,234,567".
std::string grouped(std::int64_t value) {
  auto digits = std::to_string(value < 0 ? -value : value);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return value < 0 ? "-" + out : out;
}

// "2026-11-27" → "Fri 27"; the date itself when it cannot be read.
std::string short_day(const std::string& date) {
  static constexpr std::array<const char*, 7> kWeekdays{"Sun", "Mon", "Tue", "Wed",
                                                        "Thu", "Fri", "Sat"};
  int y = 0;
  unsigned m = 0, d = 0;
  if (date.size() != 10 || std::sscanf(date.c_str(), "%4d-%2u-%2u", &y, &m, &d) != 3) return date;
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(m), std::chrono::day(d)};
  if (!ymd.ok()) return date;
  std::chrono::weekday weekday{std::chrono::sys_days(ymd)};
  return fmt::format("{} {:02}", kWeekdays[weekday.c_encoding()], d);
}

std::string chart(const Dashboard& dashboard, std::size_t series) {
  const auto& info = kSeries[series];
  std::int64_t max = 0;
  for (const auto& day : dashboard.days) max = std::max(max, day.values[series]);
  std::string svg =
      fmt::format(R"(<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" )"
                  R"(aria-label="{title}, last {n} days">)",
                  fmt::arg("w", kWidth), fmt::arg("h", kHeight), fmt::arg("title", info.title),
                  fmt::arg("n", dashboard.days.size()));
  const int plot_height = kHeight - kTop - kBottom;
  const int baseline = kHeight - kBottom;
  const double slot = dashboard.days.empty() ? 0.0
                                             : static_cast<double>(kWidth - 2 * kSide)
                                                   / static_cast<double>(dashboard.days.size());
  for (std::size_t i = 0; i < dashboard.days.size(); ++i) {
    const auto& day = dashboard.days[i];
    auto value = day.values[series];
    double height =
        max > 0 ? static_cast<double>(value) / static_cast<double>(max) * plot_height : 0.0;
    double centre = kSide + slot * (static_cast<double>(i) + 0.5);
    double bar = slot * 0.62;
    svg += fmt::format(
        R"(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="{}" rx="2">)"
        R"(<title>{}: {}</title></rect>)",
        centre - bar / 2, baseline - height, bar, height, info.colour, escape(day.date),
        grouped(value));
    svg += fmt::format(
        R"(<text class="value" x="{:.1f}" y="{:.1f}" data-metric="{}" data-day="{}" )"
        R"(data-value="{}">{}</text>)",
        centre, baseline - height - 6, info.key, escape(day.date), value, grouped(value));
    svg += fmt::format(R"(<text class="day" x="{:.1f}" y="{}">{}</text>)", centre, baseline + 16,
                       escape(short_day(day.date)));
    svg += fmt::format(R"(<text class="date" x="{:.1f}" y="{}">{}</text>)", centre, baseline + 30,
                       escape(day.date.size() == 10 ? day.date.substr(5) : day.date));
  }
  svg += fmt::format(R"(<line x1="{}" y1="{}" x2="{}" y2="{}" class="axis"/></svg>)", kSide,
                     baseline, kWidth - kSide, baseline);
  return svg;
}

std::string table(const Dashboard& dashboard) {
  std::string html = "<table id=\"metrics-table\"><thead><tr><th scope=\"col\">Day (UTC)</th>";
  for (const auto& series : kSeries) {
    html += fmt::format("<th scope=\"col\">{}</th>", escape(series.title));
  }
  html += "</tr></thead><tbody>";
  for (const auto& day : dashboard.days) {
    html += fmt::format("<tr><th scope=\"row\">{}</th>", escape(day.date));
    for (std::size_t i = 0; i < kSeries.size(); ++i) {
      html += fmt::format(R"(<td data-metric="{}" data-day="{}" data-value="{}">{}</td>)",
                          kSeries[i].key, escape(day.date), day.values[i], grouped(day.values[i]));
    }
    html += "</tr>";
  }
  return html + "</tbody></table>";
}

constexpr const char* kStyle = R"(
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#222;
background:#fafafa}
h1{font-size:1.6em;margin:0 0 4px}
.period{color:#666;margin:0 0 20px}
.totals{display:flex;gap:16px;margin-bottom:24px}
.total{background:#fff;border:1px solid #ddd;border-radius:8px;padding:12px 20px;min-width:180px}
.total .label{display:block;color:#666;font-size:.9em}
.total .value{display:block;font-size:2em;font-weight:600}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(440px,1fr));gap:16px}
.series{background:#fff;border:1px solid #ddd;border-radius:8px;padding:8px 10px}
.series h2{font-size:1.05em;margin:4px 0 4px}
.chart text{font-size:12px;text-anchor:middle;fill:#333}
.chart text.value{font-weight:600}
.chart text.date{fill:#888;font-size:10px}
.chart .axis{stroke:#999;stroke-width:1}
table{border-collapse:collapse;margin-top:24px;background:#fff}
th,td{border:1px solid #ddd;padding:4px 10px;text-align:right}
thead th{background:#f0f0f0}
tbody th{text-align:left;font-weight:normal;white-space:nowrap}
)";

}  // namespace

std::string render_metrics_page(std::string_view dashboard_json) {
  auto dashboard = parse(dashboard_json);
  std::string period;
  if (!dashboard.days.empty()) {
    period = fmt::format("Last {} days (UTC): {} to {}", dashboard.days.size(),
                         escape(dashboard.days.front().date), escape(dashboard.days.back().date));
  }
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
      "<title>Cruddur metrics</title><style>{}</style></head><body>"
      "<h1>Cruddur metrics</h1><p class=\"period\">{}</p><section class=\"totals\">",
      kStyle, period);
  html += fmt::format(
      R"(<div class="total"><span class="label">Users on the platform</span>)"
      R"(<span class="value" data-metric="users_total" data-value="{}">{}</span></div>)",
      dashboard.users, grouped(dashboard.users));
  html += fmt::format(
      R"(<div class="total"><span class="label">Posts on the platform</span>)"
      R"(<span class="value" data-metric="activities_total" data-value="{}">{}</span></div>)",
      dashboard.activities, grouped(dashboard.activities));
  html += "</section><div class=\"charts\">";
  for (std::size_t i = 0; i < kSeries.size(); ++i) {
    html += fmt::format(R"(<section class="series" id="series-{}"><h2>{}</h2>{}</section>)",
                        kSeries[i].key, kSeries[i].title, chart(dashboard, i));
  }
  html += "</div>" + table(dashboard) + "</body></html>\n";
  return html;
}

}  // namespace cruddur::http
