// HTTP Basic auth (RFC 7617) of the admin routes: header decoding and constant-time comparison.
#include "cruddur/http/basic_auth.hpp"

#include <cctype>
#include <optional>

namespace cruddur::http {
namespace {

constexpr std::string_view kScheme = "basic";

// 0..63 for a character of the standard base64 alphabet, -1 otherwise.
int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Standard base64 (RFC 4648 §4), padding optional; nullopt for anything malformed.
std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(text.size() * 3 / 4);
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    int value = base64_value(c);
    if (value < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<unsigned>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFFu));
    }
  }
  return out;
}

bool starts_with_scheme(std::string_view header) {
  if (header.size() <= kScheme.size() || header[kScheme.size()] != ' ') return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) return false;
  }
  return true;
}

}  // namespace

bool constant_time_equals(std::string_view given, std::string_view expected) {
  // volatile: the compiler may not turn the loop into an early exit.
  volatile unsigned char difference = given.size() == expected.size() ? 0 : 1;
  if (expected.empty()) return given.empty();
  for (std::size_t i = 0; i < given.size(); ++i) {
    difference =
        static_cast<unsigned char>(difference
                                   | (static_cast<unsigned char>(given[i])
                                      ^ static_cast<unsigned char>(expected[i % expected.size()])));
  }
  return difference == 0;
}

bool basic_auth_matches(std::string_view authorization, const BasicCredentials& expected) {
  if (!starts_with_scheme(authorization)) return false;
  auto token = authorization.substr(kScheme.size() + 1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
  auto decoded = base64_decode(token);
  if (!decoded) return false;
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return false;
  std::string_view pair(*decoded);
  bool username_ok = constant_time_equals(pair.substr(0, colon), expected.username);
  bool password_ok = constant_time_equals(pair.substr(colon + 1), expected.password);
  return username_ok & password_ok;
}

}  // namespace cruddur::http
