#pragma once
// RESP2, the Redis protocol: command encoding and an incremental reply parser.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace cruddur::cache {

/// One RESP2 reply.
struct RespValue {
  enum class Type { simple, error, integer, bulk, null, array };
  Type type = Type::null;
  std::string text;  ///< simple string, error message or bulk string
  std::int64_t integer = 0;
  std::vector<RespValue> elements;  ///< array
};

/// `*<n>\r\n$<len>\r\n<arg>\r\n…`: any bytes are allowed in the arguments.
std::string encode_command(const std::vector<std::string>& args);

/// Parses one reply from the front of `input` into `out`. Returns the bytes consumed, or 0 when
/// `input` holds only part of a reply. Throws CacheError("cache_protocol_error") on bytes that
/// are not RESP2 (or a bulk string above 512 MB).
std::size_t parse_reply(std::string_view input, RespValue& out);

}  // namespace cruddur::cache
