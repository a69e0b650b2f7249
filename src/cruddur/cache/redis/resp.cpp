// RESP2 encoding and incremental parsing.
#include "resp.hpp"

#include <charconv>

#include "cruddur/cache/cache.hpp"

namespace cruddur::cache {
namespace {

constexpr std::int64_t kMaxBulk = 512LL * 1024 * 1024;

[[noreturn]] void malformed(const std::string& what) {
  throw CacheError("cache_protocol_error", "redis sent a malformed reply: " + what);
}

std::int64_t parse_integer(std::string_view line) {
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(line.data(), line.data() + line.size(), value);
  if (ec != std::errc() || end != line.data() + line.size()) malformed("bad integer");
  return value;
}

// Parses from `pos`; returns the position after the value, or npos when incomplete.
std::size_t parse_at(std::string_view input, std::size_t pos, RespValue& out, int depth) {
  if (depth > 16) malformed("nesting too deep");
  if (pos >= input.size()) return std::string_view::npos;
  auto line_end = input.find("\r\n", pos);
  if (line_end == std::string_view::npos) return std::string_view::npos;
  auto line = input.substr(pos + 1, line_end - pos - 1);
  auto next = line_end + 2;
  switch (input[pos]) {
    case '+':
      out.type = RespValue::Type::simple;
      out.text = std::string(line);
      return next;
    case '-':
      out.type = RespValue::Type::error;
      out.text = std::string(line);
      return next;
    case ':':
      out.type = RespValue::Type::integer;
      out.integer = parse_integer(line);
      return next;
    case '$': {
      auto length = parse_integer(line);
      if (length == -1) {
        out.type = RespValue::Type::null;
        return next;
      }
      if (length < 0 || length > kMaxBulk) malformed("bad bulk length");
      auto size = static_cast<std::size_t>(length);
      if (input.size() < next + size + 2) return std::string_view::npos;
      if (input.substr(next + size, 2) != "\r\n") malformed("bulk string not terminated");
      out.type = RespValue::Type::bulk;
      out.text = std::string(input.substr(next, size));
      return next + size + 2;
    }
    case '*': {
      auto count = parse_integer(line);
      if (count == -1) {
        out.type = RespValue::Type::null;
        return next;
      }
      if (count < 0 || count > 1024 * 1024) malformed("bad array length");
      out.type = RespValue::Type::array;
      out.elements.assign(static_cast<std::size_t>(count), RespValue{});
      for (auto& element : out.elements) {
        next = parse_at(input, next, element, depth + 1);
        if (next == std::string_view::npos) return next;
      }
      return next;
    }
    default:
      malformed("unknown type byte");
  }
}

}  // namespace

std::string encode_command(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& arg : args) {
    out += "$" + std::to_string(arg.size()) + "\r\n";
    out += arg;
    out += "\r\n";
  }
  return out;
}

std::size_t parse_reply(std::string_view input, RespValue& out) {
  out = RespValue{};
  auto end = parse_at(input, 0, out, 0);
  return end == std::string_view::npos ? 0 : end;
}

}  // namespace cruddur::cache
