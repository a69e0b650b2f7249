#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cruddur::service {

/// A point in time to the microsecond, in UTC.
using UtcTime = std::chrono::sys_time<std::chrono::microseconds>;

/// Parses ISO 8601 / RFC 3339 text that carries its UTC offset:
/// `YYYY-MM-DD(T|t| )HH:MM:SS[.fraction](Z|z|±HH:MM|±HHMM)`. The date must exist (leap years
/// included), hours 00–23, minutes and seconds 00–59, offsets up to ±23:59; a fraction of more
/// than six digits is cut to microseconds. Returns nullopt for anything else, a missing offset
/// included: a time without its offset cannot be placed on a UTC day.
std::optional<UtcTime> parse_iso_time(std::string_view text);

/// `YYYY-MM-DDTHH:MM:SS.ffffffZ`, which PostgreSQL reads back as the same timestamptz.
std::string format_iso_time(UtcTime time);

/// The UTC calendar day of `time`, `YYYY-MM-DD`.
std::string utc_day(UtcTime time);

}  // namespace cruddur::service
