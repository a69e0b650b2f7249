#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cruddur::core {

/// The value of hexadecimal digit `c` (either case), -1 when it is none.
int hex_value(char c);

/// Decodes `%XX` escapes and, when `plus_is_space`, `+` (a query string's space). Nullopt for a
/// malformed escape, a NUL byte, or a result that is not valid UTF-8 (RFC 3629: no overlong
/// forms, no surrogates): decoded text is only ever text that PostgreSQL and a log line accept.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

}  // namespace cruddur::core
