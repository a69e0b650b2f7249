// RESP2 encoding and the incremental reply parser of the Redis backend.
#include "redis/resp.hpp"

#include <gtest/gtest.h>

#include "cruddur/cache/cache.hpp"

namespace {

using cruddur::cache::encode_command;
using cruddur::cache::parse_reply;
using cruddur::cache::RespValue;
using Type = RespValue::Type;

TEST(Resp, EncodesBinarySafeCommands) {
  EXPECT_EQ(encode_command({"SET", "k", std::string("a\r\nb\0c", 6)}),
            std::string("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$6\r\na\r\nb\0c\r\n", 32));
}

TEST(Resp, ParsesEveryReplyType) {
  RespValue value;
  EXPECT_EQ(parse_reply("+OK\r\n", value), 5u);
  EXPECT_EQ(value.type, Type::simple);
  EXPECT_EQ(value.text, "OK");
  EXPECT_EQ(parse_reply("-ERR wrong\r\n", value), 12u);
  EXPECT_EQ(value.type, Type::error);
  EXPECT_EQ(value.text, "ERR wrong");
  EXPECT_EQ(parse_reply(":-42\r\n", value), 6u);
  EXPECT_EQ(value.integer, -42);
  EXPECT_EQ(parse_reply("$-1\r\n", value), 5u);
  EXPECT_EQ(value.type, Type::null);
  EXPECT_EQ(parse_reply("$5\r\na\r\nbc\r\n", value), 11u);
  EXPECT_EQ(value.type, Type::bulk);
  EXPECT_EQ(value.text, "a\r\nbc");
  EXPECT_EQ(parse_reply("*2\r\n$1\r\nx\r\n:1\r\n", value), 15u);
  ASSERT_EQ(value.elements.size(), 2u);
  EXPECT_EQ(value.elements[0].text, "x");
  EXPECT_EQ(value.elements[1].integer, 1);
}

TEST(Resp, EveryPrefixOfAReplyIsIncomplete) {
  std::string whole = "*3\r\n$3\r\nabc\r\n$-1\r\n+OK\r\n";
  RespValue value;
  for (std::size_t n = 0; n < whole.size(); ++n) {
    EXPECT_EQ(parse_reply(std::string_view(whole).substr(0, n), value), 0u) << n;
  }
  EXPECT_EQ(parse_reply(whole + "+NEXT\r\n", value), whole.size());
}

TEST(Resp, MalformedRepliesThrow) {
  RespValue value;
  for (const char* bad : {"?x\r\n", ":12a\r\n", "$3\r\nabcd\r\n", "$-5\r\n", "*-2\r\n"}) {
    EXPECT_THROW(parse_reply(bad, value), cruddur::cache::CacheError) << bad;
  }
}

}  // namespace
