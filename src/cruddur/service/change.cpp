// Parsing the changes channel's payloads (what a write changed) with their types checked.
#include "cruddur/service/change.hpp"

#include <nlohmann/json.hpp>

namespace cruddur::service {
namespace {

using nlohmann::json;

// A required non-empty string field.
bool text(const json& object, const char* name, std::string& out) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) {
    return false;
  }
  out = it->get<std::string>();
  return true;
}

// An optional string field: absent or null is nullopt; another type is an error.
bool optional_text(const json& object, const char* name, std::optional<std::string>& out) {
  auto it = object.find(name);
  if (it == object.end() || it->is_null()) return true;
  if (!it->is_string()) return false;
  out = it->get<std::string>();
  return true;
}

Notification unknown(std::string reason) {
  return Unknown{std::move(reason)};
}

}  // namespace

Notification parse_notification(std::string_view payload) {
  auto object = json::parse(payload, nullptr, false);
  if (object.is_discarded() || !object.is_object()) return unknown("not a JSON object");
  if (object.contains("probe")) {
    Probe probe;
    if (!text(object, "probe", probe.nonce)) return unknown("a probe without a nonce");
    return probe;
  }
  Change change;
  std::string write;
  if (!text(object, "write", write) || !text(object, "xid", change.xid)
      || !text(object, "user", change.user) || !text(object, "author", change.author)) {
    return unknown("write, xid, user or author missing");
  }
  if (write == "create") {
    change.kind = Change::Kind::create;
  } else if (write == "profile") {
    change.kind = Change::Kind::profile;
  } else if (write == "reply") {
    change.kind = Change::Kind::reply;
    if (!optional_text(object, "parent_uuid", change.parent_uuid)
        || !optional_text(object, "parent_author", change.parent_author)
        || !optional_text(object, "grandparent_uuid", change.grandparent_uuid)
        || !optional_text(object, "grandparent_author", change.grandparent_author)
        || !change.parent_uuid || !change.parent_author) {
      return unknown("a reply without its parent");
    }
  } else {
    return unknown("unknown write '" + write + "'");
  }
  return change;
}

std::string user_key(const std::string& cognito_user_id) {
  return "user:" + cognito_user_id;
}

}  // namespace cruddur::service
