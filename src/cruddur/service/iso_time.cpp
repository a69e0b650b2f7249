// ISO 8601 times with a UTC offset: strict parsing to UTC microseconds, and formatting back.
#include "cruddur/service/iso_time.hpp"

#include <fmt/format.h>

namespace cruddur::service {
namespace {

using namespace std::chrono;

// The value of text[at, at + count) when every character is a digit.
std::optional<int> digits(std::string_view text, std::size_t at, std::size_t count) {
  if (at > text.size() || count > text.size() - at) return std::nullopt;
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool is_char(std::string_view text, std::size_t at, std::string_view allowed) {
  return at < text.size() && allowed.find(text[at]) != std::string_view::npos;
}

// The offset east of UTC at text[at..]: `Z`, `±HH:MM` or `±HHMM`, and nothing after it.
std::optional<minutes> parse_offset(std::string_view text, std::size_t at) {
  if (is_char(text, at, "Zz")) {
    if (at + 1 != text.size()) return std::nullopt;
    return minutes(0);
  }
  if (!is_char(text, at, "+-")) return std::nullopt;
  int sign = text[at] == '-' ? -1 : 1;
  auto hours = digits(text, at + 1, 2);
  std::size_t minute_at = at + 3;
  if (is_char(text, minute_at, ":")) ++minute_at;
  auto mins = digits(text, minute_at, 2);
  if (!hours || !mins || *hours > 23 || *mins > 59 || minute_at + 2 != text.size()) {
    return std::nullopt;
  }
  return minutes(sign * (*hours * 60 + *mins));
}

}  // namespace

std::optional<UtcTime> parse_iso_time(std::string_view text) {
  auto year = digits(text, 0, 4);
  auto month = digits(text, 5, 2);
  auto day = digits(text, 8, 2);
  auto hour = digits(text, 11, 2);
  auto minute = digits(text, 14, 2);
  auto second = digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  if (!is_char(text, 4, "-") || !is_char(text, 7, "-") || !is_char(text, 10, "Tt ")
      || !is_char(text, 13, ":") || !is_char(text, 16, ":")) {
    return std::nullopt;
  }
  year_month_day date{std::chrono::year(*year), std::chrono::month(static_cast<unsigned>(*month)),
                      std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 59) return std::nullopt;

  std::size_t at = 19;
  microseconds fraction{0};
  if (is_char(text, at, ".,")) {
    std::size_t count = 0;
    long long micros = 0;
    while (digits(text, at + 1 + count, 1)) {
      if (count < 6) micros = micros * 10 + (text[at + 1 + count] - '0');
      ++count;
    }
    if (count == 0) return std::nullopt;
    for (std::size_t i = count; i < 6; ++i) micros *= 10;
    fraction = microseconds(micros);
    at += 1 + count;
  }
  auto offset = parse_offset(text, at);
  if (!offset) return std::nullopt;
  auto local = sys_days(date) + hours(*hour) + minutes(*minute) + seconds(*second) + fraction;
  UtcTime utc(local - *offset);
  // Year 0 does not exist for PostgreSQL (0001-01-01T00:00+01:00 would land there).
  if (year_month_day(floor<days>(utc)).year() < std::chrono::year(1)) return std::nullopt;
  return utc;
}

std::string format_iso_time(UtcTime time) {
  auto day = floor<days>(time);
  year_month_day date(day);
  hh_mm_ss<microseconds> clock(time - day);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     clock.hours().count(), clock.minutes().count(), clock.seconds().count(),
                     clock.subseconds().count());
}

std::string utc_day(UtcTime time) {
  year_month_day date(floor<days>(time));
  return fmt::format("{:04}-{:02}-{:02}", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
}

}  // namespace cruddur::service
