// Password redaction for connection strings, safe on malformed input.
#include "cruddur/core/redact.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include "cruddur/core/percent_encoding.hpp"

namespace cruddur::core {
namespace {

constexpr std::string_view kMask = "****";

bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// The length of the keyword `word` at `pos` (any case), 0 when it is not there. In a URL each
// letter may be percent-encoded, since libpq decodes query keywords (`?%70assword=`).
std::size_t keyword_at(std::string_view text, std::size_t pos, std::string_view word, bool url) {
  auto start = pos;
  for (char letter : word) {
    if (pos >= text.size()) return 0;
    char c = text[pos++];
    if (url && c == '%' && pos + 1 < text.size() && hex_value(text[pos]) >= 0 &&
        hex_value(text[pos + 1]) >= 0) {
      c = static_cast<char>(hex_value(text[pos]) * 16 + hex_value(text[pos + 1]));
      pos += 2;
    }
    if (std::tolower(static_cast<unsigned char>(c)) != letter) return 0;
  }
  return pos - start;
}

// A range of the text to mask, [begin, end).
struct Span {
  std::size_t begin;
  std::size_t end;
};

// The password of `scheme://user:password@host…`, if the text has one.
void add_userinfo_password(std::string_view url, std::vector<Span>& spans) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return;
  auto authority = scheme_end + 3;
  // As libpq: the userinfo is what precedes an `@` before the first `/` (`?` and `#` included).
  auto authority_end = url.find('/', authority);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  auto at = url.rfind('@', authority_end == 0 ? 0 : authority_end - 1);
  if (at == std::string_view::npos || at < authority) return;
  auto colon = url.find(':', authority);
  if (colon == std::string_view::npos || colon > at) return;
  spans.push_back({colon + 1, at});
}

// The value after every `password=`, as libpq delimits it: in a URL query up to the next `&`
// (spaces, `#` and quotes included); in a key/value string up to unescaped whitespace, or the
// closing quote of a quoted value.
void add_password_values(std::string_view text, std::vector<Span>& spans) {
  // libpq's own test: only these prefixes make a URL; anything else is key/value (or free text).
  const bool url = text.starts_with("postgresql://") || text.starts_with("postgres://");
  std::size_t pos = 0;
  while (pos < text.size()) {
    bool at_word_start = pos == 0 || !(std::isalnum(static_cast<unsigned char>(text[pos - 1])) ||
                                       text[pos - 1] == '_');
    auto key_length = at_word_start ? keyword_at(text, pos, "password", url) : 0;
    if (key_length == 0) {
      ++pos;
      continue;
    }
    auto cursor = pos + key_length;
    while (cursor < text.size() && is_space(text[cursor])) ++cursor;
    if (cursor >= text.size() || text[cursor] != '=') {
      pos = cursor;
      continue;
    }
    ++cursor;
    while (cursor < text.size() && is_space(text[cursor])) ++cursor;
    auto begin = cursor;
    bool quoted = !url && cursor < text.size() && text[cursor] == '\'';
    if (quoted) ++cursor;
    auto ends_value = [&](char c) {
      if (url) return c == '&';
      return quoted ? c == '\'' : is_space(c);
    };
    while (cursor < text.size() && !ends_value(text[cursor])) {
      cursor += !url && text[cursor] == '\\' ? 2u : 1u;
    }
    if (quoted) ++cursor;
    cursor = std::min(cursor, text.size());
    spans.push_back({begin, cursor});
    pos = cursor;
  }
}

}  // namespace

std::string redact_url(std::string_view url) {
  // Both rules look at the original text, so neither can hide a password from the other.
  std::vector<Span> spans;
  add_userinfo_password(url, spans);
  add_password_values(url, spans);
  std::sort(spans.begin(), spans.end(), [](Span a, Span b) { return a.begin < b.begin; });
  std::string out;
  std::size_t copied = 0;
  for (std::size_t i = 0; i < spans.size();) {
    auto end = spans[i].end;
    auto next = i + 1;
    while (next < spans.size() && spans[next].begin <= end) end = std::max(end, spans[next++].end);
    out.append(url.substr(copied, spans[i].begin - copied));
    out += kMask;
    copied = end;
    i = next;
  }
  out.append(url.substr(std::min(copied, url.size())));
  return out;
}

}  // namespace cruddur::core
