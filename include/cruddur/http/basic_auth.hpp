#pragma once

#include <string>
#include <string_view>

namespace cruddur::http {

/// The one username and password that HTTP Basic auth accepts (ADMIN_USERNAME, ADMIN_PASSWORD).
struct BasicCredentials {
  std::string username;
  std::string password;
};

/// True when `authorization` (the Authorization header) is `Basic <base64 of user:password>` with
/// exactly the expected username and password. Both are always compared, each in time that
/// depends only on the length of what was sent, never on where it differs or on the expected
/// values. Never throws; never logs.
bool basic_auth_matches(std::string_view authorization, const BasicCredentials& expected);

/// Byte strings compared in time that depends only on `given.size()`.
bool constant_time_equals(std::string_view given, std::string_view expected);

}  // namespace cruddur::http
