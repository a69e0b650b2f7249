// libFuzzer target: bytes → db::ConnInfo (libpq's parser) and its rebuilt forms, core::redact_url.
//
// Besides crashes, leaks and UB, a finding is a password (of at least 4 characters) that survives
// redaction: libpq parses the same password from redact_url's output, or the password's own copy
// is readable in the input (replacing it changes what libpq parses) and the output holds as many
// copies as the input. Copies that belong to other values (a user named like the password) are
// no finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
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

std::size_t count(std::string_view haystack, std::string_view needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string_view::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

std::optional<std::string> parsed_password(const std::string& text) {
  try {
    return cruddur::db::ConnInfo(text).get("password");
  } catch (const cruddur::db::MalformedUrl&) {
    return std::nullopt;
  }
}

// Whether the password-long bytes at `at` are the password's own copy: replaced by a marker, the
// marker is what libpq parses as the password.
bool is_own_copy(const std::string& input, std::size_t at, const std::string& password) {
  bool all_q = password.find_first_not_of('Q') == std::string::npos;
  std::string marker(password.size(), all_q ? 'R' : 'Q');
  std::string marked = input;
  marked.replace(at, password.size(), marker);
  return parsed_password(marked) == marker;
}

void check_redaction(const std::string& input, const cruddur::db::ConnInfo& info) {
  auto password = info.get("password");
  // Shorter passwords match by chance; `*` is the mask itself.
  if (password.size() < 4 || password.find('*') != std::string::npos) return;
  auto redacted = cruddur::core::redact_url(input);
  // libpq still reads the same password from the redacted text (catches encoded copies too) —
  // unless another value holds the same text, which masking may shift into the password's place.
  bool in_other_value = false;
  for (const auto& [key, value] : info.options()) {
    in_other_value =
        in_other_value || (key != "password" && value.find(password) != std::string::npos);
  }
  if (!in_other_value && parsed_password(redacted) == password) {
    finding("redact_url kept the password", input);
  }
  // The password's own copy is readable in the input: the output must hold fewer copies.
  bool own_copy_visible = false;
  for (auto at = input.find(password); at != std::string::npos && !own_copy_visible;
       at = input.find(password, at + 1)) {
    own_copy_visible = is_own_copy(input, at, password);
  }
  if (own_copy_visible && count(redacted, password) >= count(input, password)) {
    finding("redact_url left the password readable", input);
  }
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
