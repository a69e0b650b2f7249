// libFuzzer target: a request body → the service's body parsers (src/cruddur/service/bodies.cpp).
//
// The first byte picks the body's route (create, reply, profile update, new direct message); the
// rest is the body. A
// parser may return, throw ValidationError with known codes only, or throw cruddur::Error
// `invalid_json`; anything else is a finding, and so is a returned value that breaks a rule the
// database relies on: blank or over-long text, a NUL (libpq would cut the parameter there), invalid
// UTF-8 (Postgres would refuse it with a 500), a ttl that is not one of the intervals.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>

#include "cruddur/core/error.hpp"
#include "cruddur/service/bodies.hpp"
#include "cruddur/service/errors.hpp"

namespace {

namespace service = cruddur::service;

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "fuzz_body: invariant broken: %s\n", what);
  std::abort();
}

const std::set<std::string> kCodes = {"message_invalid",
                                      "message_blank",
                                      "message_exceed_max_chars",
                                      "message_exceed_max_chars_1024",
                                      "ttl_invalid",
                                      "ttl_blank",
                                      "display_name_invalid",
                                      "display_name_blank",
                                      "display_name_exceed_max_chars",
                                      "bio_invalid",
                                      "bio_exceed_max_chars",
                                      "message_group_uuid_blank",
                                      "message_group_uuid_invalid",
                                      "user_reciever_handle_blank",
                                      "handle_invalid",
                                      "cannot_message_yourself"};

const std::set<std::string> kIntervals = {"30 days",  "7 days",  "3 days", "1 day",
                                          "12 hours", "3 hours", "1 hour"};

// Text the database can store as given, at most `max` code points; not blank unless allowed.
void check_text(const std::string& text, std::size_t max, bool may_be_blank) {
  if (text.find('\0') != std::string::npos) finding("returned text holds a NUL");
  if (!may_be_blank && text.find_first_not_of(" \t\r\n") == std::string::npos) {
    finding("returned text is blank");
  }
  if (service::code_points(text) > max) finding("returned text is too long");
  try {
    (void)nlohmann::json(text).dump();  // throws on invalid UTF-8
  } catch (const nlohmann::json::exception&) {
    finding("returned text is not valid UTF-8");
  }
}

void parse(std::uint8_t route, std::string_view body) {
  switch (route % 4) {
    case 0: {
      auto activity = service::parse_new_activity(body);
      check_text(activity.message, service::kMaxMessage, false);
      if (kIntervals.count(activity.interval) == 0) finding("ttl is not one of the intervals");
      break;
    }
    case 1:
      check_text(service::parse_reply(body), service::kMaxReply, false);
      break;
    case 3: {
      // A message goes to exactly one non-blank conversation or handle, never the caller's.
      auto message = service::parse_new_message(body, "andrewbrown");
      check_text(message.message, service::kMaxReply, false);
      if (message.group_uuid.has_value() == message.handle.has_value()) {
        finding("a message names both or neither of a conversation and a handle");
      }
      if (message.group_uuid) check_text(*message.group_uuid, std::string::npos, false);
      if (message.handle) check_text(*message.handle, std::string::npos, false);
      if (message.handle == "andrewbrown") finding("a message to oneself was accepted");
      break;
    }
    default: {
      auto update = service::parse_profile_update(body);
      check_text(update.display_name, service::kMaxDisplayName, false);
      if (update.bio) check_text(*update.bio, service::kMaxBio, true);
      break;
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    parse(data[0], body);
  } catch (const service::ValidationError& error) {
    if (error.codes().empty()) finding("ValidationError without a code");
    for (const auto& code : error.codes()) {
      if (kCodes.count(code) == 0) finding("ValidationError with an unknown code");
    }
  } catch (const cruddur::Error& error) {
    if (error.code() != "invalid_json") finding("a parser threw an Error other than invalid_json");
  }
  // Anything else thrown escapes: libFuzzer reports it as a crash.
  return 0;
}
