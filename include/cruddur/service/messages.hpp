#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "cruddur/core/asio.hpp"
#include "cruddur/db/catalog.hpp"
#include "cruddur/service/activities.hpp"

namespace cruddur::db {
class Pool;
}

namespace cruddur::service {

class MessageStore;
class UserProvisioner;

/// A page of the messages API: a JSON array, and the `before` cursor of the next page when this
/// one is full.
struct MessagesPage {
  std::string json;
  std::optional<std::string> next;
  unsigned limit = 0;
};

/// Direct messages (docs/messages.md): the caller's conversations, one conversation's messages,
/// and posting. The caller's user comes from PostgreSQL by the token's `sub` (made from Cognito
/// by `provisioner` when the post-confirmation Lambda did not run). Throws ValidationError (422
/// codes), NotFound (unknown handle, unknown conversation or one the caller is not in),
/// cruddur::Error `forbidden` (no Cruddur user for the `sub`), `messages_unavailable` (DynamoDB
/// unreachable, throttling, its table missing or refusing our keys), or the pool's DbError.
/// Thread-safe; everything passed in must outlive it.
class Messages {
 public:
  Messages(db::Pool& pool, const db::Catalog& catalog, MessageStore& store,
           UserProvisioner* provisioner = nullptr);

  /// `[{uuid (the conversation), display_name, handle (the other user), message, created_at
  /// (the latest message)}]`, newest first; `limit` default 20.
  asio::awaitable<MessagesPage> groups(const Caller& caller, const PageRequest& page);
  /// `[{uuid, display_name, handle (the sender), message, created_at}]`, oldest first: the
  /// newest `limit` (default 50) before the `before` cursor.
  asio::awaitable<MessagesPage> conversation(const Caller& caller, const std::string& group_uuid,
                                             const PageRequest& page);
  /// Body `{message, handle}` or `{message, message_group_uuid}`; the message as the
  /// conversation shows it, with `message_group_uuid` when it was addressed by handle.
  asio::awaitable<std::string> create(const Caller& caller, std::string_view body);

 private:
  db::Pool& pool_;
  MessageStore& store_;
  UserProvisioner* provisioner_;
  db::StatementId by_cognito_id_, short_;
};

}  // namespace cruddur::service
