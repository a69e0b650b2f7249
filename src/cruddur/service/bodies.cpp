// The API's request bodies: JSON parsed once, fields type-checked, the original's codes.
#include "cruddur/service/bodies.hpp"

#include <array>
#include <utility>
#include <vector>

#include "cruddur/service/errors.hpp"
#include "json_body.hpp"

namespace cruddur::service {
namespace {

// The frontend's TTL choices and the intervals Postgres adds to now().
constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kTtls{{
    {"30-days", "30 days"},
    {"7-days", "7 days"},
    {"3-days", "3 days"},
    {"1-day", "1 day"},
    {"12-hours", "12 hours"},
    {"3-hours", "3 hours"},
    {"1-hour", "1 hour"},
}};

// A text field under the original's codes, the first that applies appended to `errors`:
// `<name>_invalid` (not a string, or holds a NUL), `<name>_blank` (absent, null or white space;
// only for a required field), `too_long` (default `<name>_exceed_max_chars`) past `max` code
// points. The value when it passed; nullopt when it failed or an optional field is absent.
std::optional<std::string> text_field(const nlohmann::json& object, const std::string& name,
                                      std::size_t max, bool required,
                                      std::vector<std::string>& errors,
                                      const std::string& too_long = "") {
  bool wrong_type = false;
  auto text = string_field(object, name.c_str(), wrong_type);
  if (wrong_type) {
    errors.push_back(name + "_invalid");
  } else if (required && is_blank(text)) {
    errors.push_back(name + "_blank");
  } else if (text && code_points(*text) > max) {
    errors.push_back(too_long.empty() ? name + "_exceed_max_chars" : too_long);
  } else {
    return text;
  }
  return std::nullopt;
}

void require_valid(const std::vector<std::string>& errors) {
  if (!errors.empty()) throw ValidationError(errors);
}

}  // namespace

NewActivity parse_new_activity(std::string_view body) {
  auto object = parse_object(body);
  std::vector<std::string> errors;
  auto message = text_field(object, "message", kMaxMessage, true, errors);
  auto ttl = text_field(object, "ttl", std::string::npos, true, errors);
  std::string_view interval;
  if (ttl) {
    for (const auto& [name, value] : kTtls) {
      if (name == *ttl) interval = value;
    }
    if (interval.empty()) errors.emplace_back("ttl_invalid");
  }
  require_valid(errors);
  return NewActivity{std::move(*message), std::string(interval)};
}

std::string parse_reply(std::string_view body) {
  auto object = parse_object(body);
  std::vector<std::string> errors;
  auto message =
      text_field(object, "message", kMaxReply, true, errors, "message_exceed_max_chars_1024");
  require_valid(errors);
  return std::move(*message);
}

ProfileUpdate parse_profile_update(std::string_view body) {
  auto object = parse_object(body);
  std::vector<std::string> errors;
  auto display_name = text_field(object, "display_name", kMaxDisplayName, true, errors);
  auto bio = text_field(object, "bio", kMaxBio, false, errors);
  require_valid(errors);
  return ProfileUpdate{std::move(*display_name), std::move(bio)};
}

NewMessage parse_new_message(std::string_view body, std::string_view caller_handle) {
  auto object = parse_object(body);
  std::vector<std::string> errors;
  auto message =
      text_field(object, "message", kMaxReply, true, errors, "message_exceed_max_chars_1024");
  auto group = text_field(object, "message_group_uuid", std::string::npos, false, errors);
  auto handle = text_field(object, "handle", std::string::npos, false, errors);
  NewMessage parsed;
  if (!is_blank(group)) {
    parsed.group_uuid = std::move(group);
  } else if (handle && !is_blank(handle)) {
    if (*handle == caller_handle) errors.emplace_back("cannot_message_yourself");
    parsed.handle = std::move(handle);
  } else if (handle) {
    errors.emplace_back("user_reciever_handle_blank");
  } else {
    errors.emplace_back("message_group_uuid_blank");
  }
  require_valid(errors);
  parsed.message = std::move(*message);
  return parsed;
}

std::size_t code_points(std::string_view utf8) {
  std::size_t count = 0;
  for (char c : utf8) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return count;
}

}  // namespace cruddur::service
