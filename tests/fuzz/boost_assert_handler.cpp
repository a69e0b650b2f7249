// BOOST_ASSERT failures in the fuzz build: fatal, except one known-false assertion of Beast 1.74.
//
// basic_parser::parse_chunk_header asserts `n >= 5` where 4 bytes are legitimate: a chunked body
// whose last chunk arrives as `0\r\n` then `\r\n` in separate reads (a slow client). The code
// after it handles the short input (need_more); Beast removed the assertion upstream
// (boostorg/beast#2861, 2024). Release builds compile it out; Debug builds of the server abort.
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace boost {

void assertion_failed_msg(char const* expr, char const* msg, char const* function, char const* file,
                          long line) {
  std::fprintf(stderr, "%s:%ld: %s: Assertion `%s' failed%s%s\n", file, line, function, expr,
               msg != nullptr ? ": " : "", msg != nullptr ? msg : "");
  std::abort();
}

void assertion_failed(char const* expr, char const* function, char const* file, long line) {
  std::string_view path = file;
  constexpr std::string_view kBeastParser = "boost/beast/http/impl/basic_parser.ipp";
  bool known_false = std::string_view(expr) == "n >= 5" && path.size() >= kBeastParser.size()
                     && path.substr(path.size() - kBeastParser.size()) == kBeastParser;
  if (known_false) return;
  assertion_failed_msg(expr, nullptr, function, file, line);
}

}  // namespace boost
