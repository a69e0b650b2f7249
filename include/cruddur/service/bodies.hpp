#pragma once
// The API's JSON request bodies, parsed and checked with the original's validation codes. Pure
// (no I/O, no database): the service checks a body with these before anything else, and
// tests/fuzz/fuzz_body fuzzes them.

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace cruddur::service {

inline constexpr std::size_t kMaxMessage = 280;      ///< code points of an activity's message
inline constexpr std::size_t kMaxReply = 1024;       ///< code points of a reply
inline constexpr std::size_t kMaxDisplayName = 100;  ///< code points of a display name
inline constexpr std::size_t kMaxBio = 1024;         ///< code points of a bio

/// POST /api/activities: `{"message": "…", "ttl": "1-day"}`.
struct NewActivity {
  std::string message;
  std::string interval;  ///< the ttl as the interval Postgres adds to now(), e.g. `1 day`
};

/// PUT /api/profile/update: `{"display_name": "…", "bio": "…" | null}`.
struct ProfileUpdate {
  std::string display_name;
  std::optional<std::string> bio;
};

/// POST /api/messages: `{"message": "…", "handle": "…"}` (a new or the existing conversation
/// with that user) or `{"message": "…", "message_group_uuid": "…"}` (a conversation the caller
/// is in). The group wins when both are given.
struct NewMessage {
  std::string message;
  std::optional<std::string> handle;      ///< the recipient's handle
  std::optional<std::string> group_uuid;  ///< the conversation (not checked to be a UUID)
};

/// Each throws cruddur::Error `invalid_json` for a body that is not a JSON object (or not valid
/// UTF-8), and ValidationError with every code that applies for missing or bad fields. What they
/// return holds no NUL and fits the length rules.
NewActivity parse_new_activity(std::string_view body);
/// POST /api/activities/<uuid>/reply: `{"message": "…"}`; the message.
std::string parse_reply(std::string_view body);
ProfileUpdate parse_profile_update(std::string_view body);
/// Codes (all that apply): `message_blank`, `message_exceed_max_chars_1024`,
/// `message_group_uuid_blank` (neither a handle nor a group), `user_reciever_handle_blank` (sic:
/// a blank handle and no group), `cannot_message_yourself` (the handle is `caller_handle`),
/// `<field>_invalid` for a field that is not a string.
NewMessage parse_new_message(std::string_view body, std::string_view caller_handle);

/// Unicode code points in valid UTF-8 text (what the length rules count).
std::size_t code_points(std::string_view utf8);

}  // namespace cruddur::service
