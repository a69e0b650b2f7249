#pragma once

#include <string>
#include <string_view>

namespace cruddur::core {

/// Replaces every password in a connection string with `****`: the userinfo password of a URL
/// (`postgresql://user:secret@host`), a `password=` query parameter, and a `password=` keyword of
/// a libpq key/value string. Works on malformed input too, so it is safe for error messages.
std::string redact_url(std::string_view url);

}  // namespace cruddur::core
