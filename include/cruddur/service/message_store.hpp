#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cruddur/core/asio.hpp"

namespace cruddur::aws {
class DynamoDb;
}

namespace cruddur::service {

/// One side of a conversation, as the items copy it.
struct Participant {
  std::string uuid;
  std::string display_name;
  std::string handle;
};

/// A `MSG#<group>` item.
struct StoredMessage {
  std::string group_uuid;
  std::string uuid;
  std::string message;
  std::string created_at;  ///< ISO-8601 with offset, UTC, microseconds
  std::string sk;          ///< `<created_at>#<uuid>`
  Participant sender;
};

/// A `GRP#<user>` item: one conversation as one participant sees it.
struct GroupSummary {
  std::string group_uuid;
  std::string message;     ///< the latest message
  std::string created_at;  ///< its time
  std::string sk;          ///< `<created_at>#<group_uuid>`
  Participant other;
};

/// The `GROUP#<group>` item: who is in a conversation and the current sort key of its GRP
/// items; `version` fences concurrent posts.
struct GroupHead {
  std::string group_uuid;
  std::string latest_sk;
  std::string version;                         ///< a decimal number, incremented by every post
  std::map<std::string, Participant> members;  ///< by user uuid

  [[nodiscard]] bool has_member(const std::string& user_uuid) const {
    return members.count(user_uuid) > 0;
  }
};

template <class T>
struct StorePage {
  std::vector<T> items;
  std::optional<std::string> next_sk;  ///< the sort key to page on from, when the page is full
};

/// The messages data model in DynamoDB (docs/messages.md): keys, items, and the conditional
/// transactions that keep a conversation's items consistent under concurrent posts. Throws
/// aws::AwsError for DynamoDB failures, NotFound for an unknown conversation or a sender who is
/// not in it, cruddur::Error `messages_unavailable` when posts keep conflicting. Thread-safe;
/// `dynamo` must outlive it.
class MessageStore {
 public:
  MessageStore(aws::DynamoDb& dynamo, std::string table);

  /// The CreateTable request of the messages table (key pk/sk, GSI
  /// `message-group-sk-index`, stream NEW_IMAGE, on-demand billing).
  static nlohmann::json table_definition(const std::string& table);
  /// The conversation of two users: the same for (a, b) and (b, a).
  static std::string group_uuid_for(const std::string& user_a, const std::string& user_b);

  /// The head of a conversation (strongly consistent read); nullopt when none.
  asio::awaitable<std::optional<GroupHead>> head(std::string group_uuid);

  /// Adds `text` from `sender` to conversation `group_uuid`, creating it with `recipient` when
  /// it does not exist yet (without a recipient an unknown conversation is NotFound). The items
  /// change in one TransactWriteItems conditioned on what was read, retried on conflict (at
  /// most 20 times, with jittered waits, and not after 5 s). The message time is after the
  /// conversation's latest one.
  asio::awaitable<StoredMessage> post(Participant sender, std::optional<Participant> recipient,
                                      std::string group_uuid, std::string text);

  /// `user_uuid`'s conversations, newest first; `before` is a previous page's next_sk.
  asio::awaitable<StorePage<GroupSummary>> groups(std::string user_uuid, unsigned limit,
                                                  std::optional<std::string> before);
  /// A conversation's messages, oldest first: the newest `limit` before `before` (a previous
  /// page's next_sk), or the newest overall.
  asio::awaitable<StorePage<StoredMessage>> messages(std::string group_uuid, unsigned limit,
                                                     std::optional<std::string> before);

  [[nodiscard]] const std::string& table() const noexcept { return table_; }

 private:
  aws::DynamoDb& dynamo_;
  std::string table_;
};

/// True for a message or group sort key as this store writes them: `<time>#<uuid>`.
bool is_store_sort_key(std::string_view sk);

}  // namespace cruddur::service
