// Direct messages: the caller from PostgreSQL, membership, paging and the API's JSON shapes over
// the DynamoDB message store.
#include "cruddur/service/messages.hpp"

#include <spdlog/spdlog.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <vector>

#include "cruddur/aws/aws_error.hpp"
#include "cruddur/core/base64url.hpp"
#include "cruddur/db/pool.hpp"
#include "cruddur/service/bodies.hpp"
#include "cruddur/service/errors.hpp"
#include "cruddur/service/message_store.hpp"
#include "cruddur/service/user_provisioner.hpp"

namespace cruddur::service {
namespace {

using nlohmann::json;

constexpr unsigned kGroupsLimit = 20;
constexpr unsigned kMessagesLimit = 50;
constexpr unsigned kMaxLimit = 100;

// The store's sort key of the next page, or a validation code.
struct Paging {
  unsigned limit = 0;
  std::optional<std::string> before;
};

Paging parse_paging(const PageRequest& page, unsigned default_limit) {
  std::vector<std::string> errors;
  Paging paging{default_limit, std::nullopt};
  if (page.limit) {
    const auto& text = *page.limit;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), paging.limit);
    if (ec != std::errc{} || end != text.data() + text.size() || paging.limit < 1
        || paging.limit > kMaxLimit) {
      errors.emplace_back("limit_invalid");
    }
  }
  if (page.before) {
    auto sk = core::base64url_decode(*page.before);
    if (sk && is_store_sort_key(*sk)) {
      paging.before = std::move(*sk);
    } else {
      errors.emplace_back("before_invalid");
    }
  }
  if (!errors.empty()) throw ValidationError(errors);
  return paging;
}

[[noreturn]] void throw_cannot_message_yourself() {
  throw ValidationError({"cannot_message_yourself"});
}

json message_json(const StoredMessage& message) {
  return {{"uuid", message.uuid},
          {"display_name", message.sender.display_name},
          {"handle", message.sender.handle},
          {"message", message.message},
          {"created_at", message.created_at}};
}

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

Participant to_participant(const std::string& object_text) {
  auto user = json::parse(object_text);
  return {user.at("uuid").get<std::string>(), user.at("display_name").get<std::string>(),
          user.at("handle").get<std::string>()};
}

// DynamoDB failed: the messages routes answer 503 with the reason; logged here, once.
[[noreturn]] void throw_unavailable(const aws::AwsError& error) {
  spdlog::warn("direct messages unavailable: {} ({})", error.what(), error.code());
  std::string reason = "DynamoDB cannot be reached";
  if (error.code() == "aws_not_found") reason = "the messages table does not exist";
  if (error.code() == "aws_throttled") reason = "DynamoDB is throttling requests";
  if (error.code() == "aws_denied" || error.code() == "aws_no_credentials") {
    reason = "DynamoDB refuses this server's credentials";
  }
  throw Error("messages_unavailable", "direct messages are unavailable: " + reason);
}

// The caller's user; made from Cognito first when the post-confirmation Lambda did not run.
asio::awaitable<Participant> caller_user(db::Pool& pool, db::StatementId by_cognito_id,
                                         UserProvisioner* provisioner, const Caller& caller) {
  db::Params params;  // not a braced list: g++ 12 miscompiles those in coroutines
  params.emplace_back(caller.cognito_user_id);
  auto found = co_await pool.query_json_object(by_cognito_id, params);
  if (!found && provisioner != nullptr && co_await provisioner->provision(caller)) {
    found = co_await pool.query_json_object(by_cognito_id, std::move(params));
  }
  if (!found) throw Error("forbidden", "this account has no Cruddur user yet");
  co_return to_participant(*found);
}

json groups_json(const StorePage<GroupSummary>& page) {
  json list = json::array();
  for (const auto& group : page.items) {
    list.push_back({{"uuid", group.group_uuid},
                    {"display_name", group.other.display_name},
                    {"handle", group.other.handle},
                    {"message", group.message},
                    {"created_at", group.created_at}});
  }
  return list;
}

json messages_json(const StorePage<StoredMessage>& page) {
  json list = json::array();
  for (const auto& message : page.items) list.push_back(message_json(message));
  return list;
}

// The page's JSON and the cursor of the next one.
template <class T>
MessagesPage to_page(const json& list, const StorePage<T>& found, unsigned limit) {
  MessagesPage out;
  out.json = dump(list);
  out.limit = limit;
  if (found.next_sk) out.next = core::base64url_encode(*found.next_sk);
  return out;
}

}  // namespace

Messages::Messages(db::Pool& pool, const db::Catalog& catalog, MessageStore& store,
                   UserProvisioner* provisioner)
    : pool_(pool),
      store_(store),
      provisioner_(provisioner),
      by_cognito_id_(catalog.id("users/by_cognito_id")),
      short_(catalog.id("users/short")) {}

asio::awaitable<MessagesPage> Messages::groups(const Caller& caller, const PageRequest& page) {
  auto paging = parse_paging(page, kGroupsLimit);
  auto me = co_await caller_user(pool_, by_cognito_id_, provisioner_, caller);
  StorePage<GroupSummary> found;
  try {
    found = co_await store_.groups(me.uuid, paging.limit, paging.before);
  } catch (const aws::AwsError& error) {
    throw_unavailable(error);
  }
  co_return to_page(groups_json(found), found, paging.limit);
}

asio::awaitable<MessagesPage> Messages::conversation(const Caller& caller,
                                                     const std::string& group_uuid,
                                                     const PageRequest& page) {
  if (!is_uuid(group_uuid)) throw NotFound("no such conversation");
  auto paging = parse_paging(page, kMessagesLimit);
  auto me = co_await caller_user(pool_, by_cognito_id_, provisioner_, caller);
  StorePage<StoredMessage> found;
  try {
    auto head = co_await store_.head(group_uuid);
    // Someone else's conversation looks exactly like one that does not exist.
    if (!head || !head->has_member(me.uuid)) throw NotFound("no such conversation");
    found = co_await store_.messages(group_uuid, paging.limit, paging.before);
  } catch (const aws::AwsError& error) {
    throw_unavailable(error);
  }
  co_return to_page(messages_json(found), found, paging.limit);
}

asio::awaitable<std::string> Messages::create(const Caller& caller, std::string_view body) {
  auto me = co_await caller_user(pool_, by_cognito_id_, provisioner_, caller);
  auto request = parse_new_message(body, me.handle);
  std::optional<Participant> recipient;
  std::string group_uuid;
  if (request.group_uuid) {
    if (!is_uuid(*request.group_uuid)) throw NotFound("no such conversation");
    group_uuid = *request.group_uuid;
  } else {
    db::Params params;
    params.emplace_back(*request.handle);
    auto found = co_await pool_.query_json_object(short_, std::move(params));
    if (!found) throw NotFound("no user @" + *request.handle);
    recipient = to_participant(*found);
    if (recipient->uuid == me.uuid) throw_cannot_message_yourself();
    group_uuid = MessageStore::group_uuid_for(me.uuid, recipient->uuid);
  }
  StoredMessage message;
  try {
    message = co_await store_.post(me, recipient, group_uuid, std::move(request.message));
  } catch (const aws::AwsError& error) {
    throw_unavailable(error);
  }
  auto answer = message_json(message);
  if (!request.group_uuid) answer["message_group_uuid"] = message.group_uuid;
  co_return dump(answer);
}

}  // namespace cruddur::service
