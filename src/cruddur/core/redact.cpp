// Password redaction for connection strings, safe on malformed input.
#include "cruddur/core/redact.hpp"

#include <cctype>

namespace cruddur::core {
namespace {

constexpr std::string_view kMask = "****";

bool iequals_at(std::string_view text, std::size_t pos, std::string_view word) {
  if (pos + word.size() > text.size()) return false;
  for (std::size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[pos + i])) != word[i]) return false;
  }
  return true;
}

// Masks the `user:password@` part of `scheme://user:password@host…`.
std::string redact_userinfo(std::string_view url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  auto authority = scheme_end + 3;
  // As libpq: the userinfo is what precedes an `@` before the first `/` (`?` and `#` included).
  auto authority_end = url.find('/', authority);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  auto at = url.rfind('@', authority_end == 0 ? 0 : authority_end - 1);
  if (at == std::string_view::npos || at < authority) return std::string(url);
  auto colon = url.find(':', authority);
  if (colon == std::string_view::npos || colon > at) return std::string(url);
  std::string out(url.substr(0, colon + 1));
  out += kMask;
  out += url.substr(at);
  return out;
}

// Masks the value after every `password=` (query parameter or libpq keyword, quoted or not).
std::string redact_password_keywords(std::string_view text) {
  constexpr std::string_view kKey = "password";
  std::string out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    bool at_word_start = pos == 0 || !(std::isalnum(static_cast<unsigned char>(text[pos - 1])) ||
                                       text[pos - 1] == '_');
    if (at_word_start && iequals_at(text, pos, kKey)) {
      auto cursor = pos + kKey.size();
      while (cursor < text.size() && text[cursor] == ' ') ++cursor;
      if (cursor < text.size() && text[cursor] == '=') {
        ++cursor;
        while (cursor < text.size() && text[cursor] == ' ') ++cursor;
        out.append(text.substr(pos, cursor - pos));
        out += kMask;
        if (cursor < text.size() && text[cursor] == '\'') {
          ++cursor;
          while (cursor < text.size() && text[cursor] != '\'') {
            cursor += text[cursor] == '\\' ? 2u : 1u;
          }
          ++cursor;
        } else {
          while (cursor < text.size() && text[cursor] != '&' && text[cursor] != ' ' &&
                 text[cursor] != '#') {
            ++cursor;
          }
        }
        pos = cursor;
        continue;
      }
    }
    out += text[pos++];
  }
  return out;
}

}  // namespace

std::string redact_url(std::string_view url) {
  return redact_password_keywords(redact_userinfo(url));
}

}  // namespace cruddur::core
