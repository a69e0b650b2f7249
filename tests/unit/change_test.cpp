// The changes channel's payloads (service::parse_notification) and the keys each change
// invalidates (FeedCache::keys): what the write statements send is understood, anything else is
// Unknown (and then everything is invalidated by the caller).
#include "cruddur/service/change.hpp"

#include <gtest/gtest.h>

#include "cruddur/service/feed_cache.hpp"

namespace cruddur::service {
namespace {

Change parse_change(const std::string& payload) {
  auto parsed = parse_notification(payload);
  EXPECT_TRUE(std::holds_alternative<Change>(parsed)) << payload;
  return std::holds_alternative<Change>(parsed) ? std::get<Change>(parsed) : Change{};
}

TEST(ChangePayload, CreateAsTheStatementSendsIt) {
  // json_build_object's own spacing.
  auto change = parse_change(
      R"({"write" : "create", "xid" : "731", "user" : "MOCK-andrewbrown", "author" : "andrewbrown"})");
  EXPECT_EQ(change.kind, Change::Kind::create);
  EXPECT_EQ(change.xid, "731");
  EXPECT_EQ(change.user, "MOCK-andrewbrown");
  EXPECT_EQ(change.author, "andrewbrown");
  EXPECT_EQ(FeedCache::keys(change),
            (std::vector<std::string>{"v1:home", "v1:profile:andrewbrown"}));
  EXPECT_EQ(user_key(change.user), "user:MOCK-andrewbrown");
}

TEST(ChangePayload, ReplyWithAndWithoutGrandparent) {
  auto change =
      parse_change(R"({"write":"reply","xid":"9","user":"s","author":"bayko","parent_uuid":"p-1",)"
                   R"("parent_author":"londo","grandparent_uuid":null,"grandparent_author":null})");
  EXPECT_EQ(change.kind, Change::Kind::reply);
  EXPECT_EQ(FeedCache::keys(change),
            (std::vector<std::string>{"v1:home", "v1:profile:bayko", "v1:show:londo:p-1",
                                      "v1:profile:londo"}));
  auto nested = parse_change(
      R"({"write":"reply","xid":"10","user":"s","author":"bayko","parent_uuid":"p-2",)"
      R"("parent_author":"bayko","grandparent_uuid":"g-1","grandparent_author":"altbrown"})");
  // A reply to one's own crud: the author's profile once.
  EXPECT_EQ(FeedCache::keys(nested),
            (std::vector<std::string>{"v1:home", "v1:profile:bayko", "v1:show:bayko:p-2",
                                      "v1:show:altbrown:g-1"}));
}

TEST(ChangePayload, ProfileUpdate) {
  auto change = parse_change(R"({"write":"profile","xid":"11","user":"s","author":"altbrown"})");
  EXPECT_EQ(change.kind, Change::Kind::profile);
  EXPECT_EQ(FeedCache::keys(change), (std::vector<std::string>{"v1:home", "v1:profile:altbrown"}));
}

TEST(ChangePayload, Probe) {
  auto parsed = parse_notification(R"({"probe":"0123abcd"})");
  ASSERT_TRUE(std::holds_alternative<Probe>(parsed));
  EXPECT_EQ(std::get<Probe>(parsed).nonce, "0123abcd");
}

TEST(ChangePayload, AnythingElseIsUnknown) {
  for (const char* payload : {
           "", "not json", "[]", "null", R"({"probe":""})", R"({"probe":7})",
           R"({"write":"create","xid":"1","user":"s"})",             // no author
           R"({"write":"create","xid":1,"user":"s","author":"a"})",  // xid not text
           R"({"write":"delete","xid":"1","user":"s","author":"a"})",
           R"({"write":"reply","xid":"1","user":"s","author":"a"})",  // no parent
           R"({"write":"reply","xid":"1","user":"s","author":"a","parent_uuid":"p",)"
           R"("parent_author":"b","grandparent_uuid":5})",
           "{\"write\":\"create\",\"xid\":\"1\",\"user\":\"s\",\"author\":\"\xff\"}",  // bad UTF-8
       }) {
    EXPECT_TRUE(std::holds_alternative<Unknown>(parse_notification(payload))) << payload;
  }
}

}  // namespace
}  // namespace cruddur::service
