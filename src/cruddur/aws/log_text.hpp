#pragma once
// Private to the aws layer: making untrusted token fields safe to put in a log line.

#include <string>
#include <string_view>

namespace cruddur::aws {

/// `text` quoted, with bytes outside printable ASCII shown as `?` and cut after 64 bytes, so a
/// forged header value can neither forge log lines nor flood them.
inline std::string quote_untrusted(std::string_view text) {
  constexpr std::size_t kMax = 64;
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < kMax; ++i) {
    char c = text[i];
    out.push_back(c >= 0x20 && c < 0x7f ? c : '?');
  }
  if (text.size() > kMax) out += "…";
  out.push_back('\'');
  return out;
}

}  // namespace cruddur::aws
