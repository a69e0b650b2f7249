// Message times: ISO 8601 with an offset, parsed strictly to UTC.
#include "cruddur/service/iso_time.hpp"

#include <gtest/gtest.h>

namespace cruddur::service {
namespace {

std::string utc(std::string_view text) {
  auto time = parse_iso_time(text);
  return time ? format_iso_time(*time) : "invalid";
}

TEST(IsoTime, OffsetsAreAppliedToReachUtc) {
  EXPECT_EQ(utc("2026-12-01T10:00:00Z"), "2026-12-01T10:00:00.000000Z");
  EXPECT_EQ(utc("2026-12-01T10:00:00+00:00"), "2026-12-01T10:00:00.000000Z");
  EXPECT_EQ(utc("2026-11-30T23:30:00-05:00"), "2026-12-01T04:30:00.000000Z");
  EXPECT_EQ(utc("2026-12-01T01:15:00+0530"), "2026-11-30T19:45:00.000000Z");
  EXPECT_EQ(utc("2026-12-01 10:00:00.5+01:00"), "2026-12-01T09:00:00.500000Z");
  EXPECT_EQ(utc("2026-12-01t10:00:00z"), "2026-12-01T10:00:00.000000Z");
}

TEST(IsoTime, FractionsAreKeptToTheMicrosecond) {
  EXPECT_EQ(utc("2026-12-01T10:00:00.123456+00:00"), "2026-12-01T10:00:00.123456Z");
  EXPECT_EQ(utc("2026-12-01T10:00:00.123456789Z"), "2026-12-01T10:00:00.123456Z");
  EXPECT_EQ(utc("2026-12-01T10:00:00.1Z"), "2026-12-01T10:00:00.100000Z");
}

TEST(IsoTime, TheUtcDayIsTheDayAfterConversion) {
  auto late = parse_iso_time("2026-12-31T22:00:00-03:00");
  ASSERT_TRUE(late);
  EXPECT_EQ(utc_day(*late), "2027-01-01");
  auto early = parse_iso_time("2024-03-01T00:30:00+01:00");
  ASSERT_TRUE(early);
  EXPECT_EQ(utc_day(*early), "2024-02-29");
}

TEST(IsoTime, AnythingElseIsRefused) {
  for (const char* text : {"",
                           "2026-12-01",
                           "2026-12-01T10:00:00",
                           "2026-12-01T10:00:00+5",
                           "2026-12-01T10:00:00+05:0",
                           "2026-12-01T10:00:00+24:00",
                           "2026-12-01T10:00:00+05:60",
                           "2026-13-01T10:00:00Z",
                           "2026-02-29T10:00:00Z",
                           "2026-04-31T10:00:00Z",
                           "2026-12-01T24:00:00Z",
                           "2026-12-01T10:60:00Z",
                           "2026-12-01T10:00:60Z",
                           "2026-12-01T10:00:00.Z",
                           "2026-12-01T10:00:00Zjunk",
                           "2026-12-01X10:00:00Z",
                           "2026/12/01T10:00:00Z",
                           "20261201T100000Z",
                           "0000-01-01T00:00:00Z",
                           "0001-01-01T00:00:00+01:00",
                           "２026-12-01T10:00:00Z",
                           "2026-12-01T10:00:00+00:00 "}) {
    EXPECT_FALSE(parse_iso_time(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace cruddur::service
