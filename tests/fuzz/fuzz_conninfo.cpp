// libFuzzer target: bytes → db::ConnInfo (libpq's parser) and its rebuilt forms, core::redact_url.
//
// Besides crashes, leaks and UB, a finding is a password that survives redaction: when libpq
// parses a password of at least 4 characters out of the input, redact_url's output must hold
// fewer copies of it than the input did (compared after percent-decoding both, since libpq
// decodes URLs), unless the password is also part of another parsed value or a keyword.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cruddur/core/redact.hpp"
#include "cruddur/db/conninfo.hpp"
#include "cruddur/db/errors.hpp"

namespace {

[[noreturn]] void finding(const char* what, std::string_view input) {
  std::fprintf(stderr, "fuzz_conninfo: invariant broken: %s\ninput: %.*s\n", what,
               static_cast<int>(input.size()), input.data());
  std::abort();
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes valid `%XX` escapes and keeps everything else as is.
std::string lenient_percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0
        && hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::size_t count(std::string_view haystack, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string_view::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

void check_redaction(const std::string& input, const cruddur::db::ConnInfo& info) {
  auto password = info.get("password");
  // Shorter passwords match by chance; `*` is the mask itself.
  if (password.size() < 4 || password.find('*') != std::string::npos) return;
  // A password that is part of another parsed value, a keyword or the scheme may stay visible.
  std::string others = "postgresql://";
  for (const auto& [key, value] : info.options()) {
    if (key != "password") others += "\x01" + key + "\x01" + value;
  }
  if (others.find(password) != std::string::npos) return;
  auto in = count(lenient_percent_decode(input), password);
  if (in == 0) return;  // only quoted or escaped in the input: not recognisable in the output
  auto out = count(lenient_percent_decode(cruddur::core::redact_url(input)), password);
  if (out >= in) finding("redact_url kept the password", input);
}

// The key/value strings ConnInfo builds must parse back to the same options (quoting is right),
// the one without the password without it.
void check_round_trip(const std::string& input, const cruddur::db::ConnInfo& info) {
  const std::string dbname = "fuzz'db\\ x";
  try {
    cruddur::db::ConnInfo again(info.with_database(dbname));
    if (again.get("dbname") != dbname) finding("with_database() lost the database", input);
    for (const auto& [key, value] : info.options()) {
      if (key != "dbname" && again.get(key) != value)
        finding("with_database() lost an option", input);
    }
    cruddur::db::ConnInfo without(info.without_password());
    if (!without.get("password").empty()) finding("without_password() kept it", input);
    if (without.database() != info.database())
      finding("without_password() lost the database", input);
  } catch (const cruddur::db::MalformedUrl&) {
    finding("a conninfo string built by ConnInfo does not parse", input);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  (void)cruddur::core::redact_url(input);
  // libpq reads a C string: text after a NUL is invisible to it, so such inputs are not URLs
  // anyone can configure.
  if (input.find('\0') != std::string::npos) return 0;
  try {
    cruddur::db::ConnInfo info(input);
    (void)info.database();
    (void)info.display();
    (void)info.without_password();
    (void)cruddur::db::quote_conninfo_value(input);
    check_redaction(input, info);
    check_round_trip(input, info);
  } catch (const cruddur::db::MalformedUrl&) {
    // libpq refused the text: the expected outcome for most inputs.
  }
  return 0;
}
