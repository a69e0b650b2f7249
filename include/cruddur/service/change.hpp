#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace cruddur::service {

/// The channel every write notifies in its own statement (db/sql/activities/create.sql, reply.sql,
/// users/update_profile.sql, ops/notify.sql) and every server LISTENs on.
inline constexpr const char* kChangesChannel = "cruddur_writes";

/// What a committed write changed, as its statement reports it (the `change` column, the same
/// JSON text it sends with `pg_notify`). The feed cache maps it to the keys it invalidates.
struct Change {
  enum class Kind { create, reply, profile };
  Kind kind = Kind::create;
  /// The writing transaction's id: pairs a writer's commit with its own notification.
  std::string xid;
  /// cognito_user_id of the writer (its read-your-writes key).
  std::string user;
  /// The handle whose content changed: the author of a create or reply; for a profile update,
  /// the updated user.
  std::string author;
  /// A reply's parent activity and its author, and the parent's own parent when it is a reply.
  std::optional<std::string> parent_uuid;
  std::optional<std::string> parent_author;
  std::optional<std::string> grandparent_uuid;
  std::optional<std::string> grandparent_author;
};

/// The start-up probe's notification (`{"probe":"<nonce>"}`).
struct Probe {
  std::string nonce;
};

/// A payload this version does not understand (another version's, or a stray NOTIFY): the write
/// behind it cannot be mapped to keys, so the caller must assume anything changed.
struct Unknown {
  std::string reason;
};

using Notification = std::variant<Change, Probe, Unknown>;

/// Parses a payload on the changes channel. Never throws: anything unexpected is Unknown.
Notification parse_notification(std::string_view payload);

/// The read-your-writes key of a user's own reads (search, paged feeds, notifications).
std::string user_key(const std::string& cognito_user_id);

}  // namespace cruddur::service
