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

}  // namespace

NewActivity parse_new_activity(std::string_view body) {
  auto object = parse_object(body);
  std::vector<std::string> errors;
  bool wrong_type = false;
  auto message = string_field(object, "message", wrong_type);
  if (wrong_type) {
    errors.emplace_back("message_invalid");
  } else if (is_blank(message)) {
    errors.emplace_back("message_blank");
  } else if (code_points(*message) > kMaxMessage) {
    errors.emplace_back("message_exceed_max_chars");
  }
  auto ttl = string_field(object, "ttl", wrong_type);
  std::string_view interval;
  if (wrong_type) {
    errors.emplace_back("ttl_invalid");
  } else if (is_blank(ttl)) {
    errors.emplace_back("ttl_blank");
  } else {
    for (const auto& [name, value] : kTtls) {
      if (name == *ttl) interval = value;
    }
    if (interval.empty()) errors.emplace_back("ttl_invalid");
  }
  if (!errors.empty()) throw ValidationError(errors);
  return NewActivity{std::move(*message), std::string(interval)};
}

std::string parse_reply(std::string_view body) {
  auto object = parse_object(body);
  bool wrong_type = false;
  auto message = string_field(object, "message", wrong_type);
  if (wrong_type) throw ValidationError({"message_invalid"});
  if (is_blank(message)) throw ValidationError({"message_blank"});
  if (code_points(*message) > kMaxReply) throw ValidationError({"message_exceed_max_chars_1024"});
  return std::move(*message);
}

ProfileUpdate parse_profile_update(std::string_view body) {
  auto object = parse_object(body);
  std::vector<std::string> errors;
  bool wrong_type = false;
  auto display_name = string_field(object, "display_name", wrong_type);
  if (wrong_type) {
    errors.emplace_back("display_name_invalid");
  } else if (is_blank(display_name)) {
    errors.emplace_back("display_name_blank");
  } else if (code_points(*display_name) > kMaxDisplayName) {
    errors.emplace_back("display_name_exceed_max_chars");
  }
  auto bio = string_field(object, "bio", wrong_type);
  if (wrong_type) {
    errors.emplace_back("bio_invalid");
  } else if (bio && code_points(*bio) > kMaxBio) {
    errors.emplace_back("bio_exceed_max_chars");
  }
  if (!errors.empty()) throw ValidationError(errors);
  return ProfileUpdate{std::move(*display_name), std::move(bio)};
}

std::size_t code_points(std::string_view utf8) {
  std::size_t count = 0;
  for (char c : utf8) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return count;
}

}  // namespace cruddur::service
