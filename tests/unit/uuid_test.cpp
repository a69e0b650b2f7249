// UUIDs for messages (random, v4) and conversations (name-based, v5), and the message store's
// pure pieces: the conversation of a pair and the shape of its sort keys.
#include "cruddur/service/uuid.hpp"

#include <gtest/gtest.h>

#include <set>

#include "cruddur/service/activities.hpp"
#include "cruddur/service/message_store.hpp"

namespace cruddur::service {
namespace {

TEST(UuidTest, RandomUuidsAreVersion4AndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto uuid = random_uuid();
    ASSERT_TRUE(is_uuid(uuid)) << uuid;
    EXPECT_EQ(uuid[14], '4');
    EXPECT_NE(std::string("89ab").find(uuid[19]), std::string::npos) << uuid;
    seen.insert(uuid);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(UuidTest, NameBasedUuidsFollowRfc4122) {
  // uuid5(NAMESPACE_DNS, "python.org"), as Python's uuid module computes it.
  constexpr UuidBytes kDns = {0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
                              0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8};
  EXPECT_EQ(name_uuid(kDns, "python.org"), "886313e1-3b8a-5372-9b90-0c9aee199e5d");
}

TEST(UuidTest, APairOfUsersHasOneConversation) {
  auto a = random_uuid();
  auto b = random_uuid();
  EXPECT_EQ(MessageStore::group_uuid_for(a, b), MessageStore::group_uuid_for(b, a));
  EXPECT_NE(MessageStore::group_uuid_for(a, b), MessageStore::group_uuid_for(a, random_uuid()));
  EXPECT_TRUE(is_uuid(MessageStore::group_uuid_for(a, b)));
}

TEST(UuidTest, StoreSortKeysAreTimeWithOffsetThenUuid) {
  EXPECT_TRUE(
      is_store_sort_key("2026-12-03T12:31:56.625415+00:00#7a30c9ab-c7dd-4e13-8627-eb40a2d8469d"));
  EXPECT_FALSE(
      is_store_sort_key("2026-12-03T12:31:56.625415#7a30c9ab-c7dd-4e13-8627-eb40a2d8469d"));
  EXPECT_FALSE(
      is_store_sort_key("2026-13-03T12:31:56.625415+00:00#7a30c9ab-c7dd-4e13-8627-eb40a2d8469d"));
  EXPECT_FALSE(is_store_sort_key("2026-12-03T12:31:56.625415+00:00#not-a-uuid"));
  EXPECT_FALSE(is_store_sort_key(""));
}

}  // namespace
}  // namespace cruddur::service
