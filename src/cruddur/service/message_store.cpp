// The messages data model on DynamoDB: GROUP head, GRP and MSG items, written in conditional
// transactions so that concurrent posts neither lose a message nor leave a stale group item.
#include "cruddur/service/message_store.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <ctime>
#include <random>

#include "cruddur/aws/aws_error.hpp"
#include "cruddur/aws/dynamodb.hpp"
#include "cruddur/service/activities.hpp"
#include "cruddur/service/errors.hpp"
#include "cruddur/service/uuid.hpp"

namespace cruddur::service {
namespace {

using aws::AttributeValue;
using aws::Item;
using Clock = std::chrono::system_clock;
using Micros = std::chrono::microseconds;

// Posts racing on one conversation: each loses at most this often, and retries only within the
// budget (then 503, nothing stored).
constexpr int kPostAttempts = 20;
constexpr std::chrono::seconds kPostBudget{5};
constexpr std::size_t kTimeLength = 32;  // 2026-12-03T12:23:01.123456+00:00
// The namespace of conversation uuids, 8d7c0f1e-5b8a-4c61-9e55-3c1f0a6b2d94 (a fixed random
// UUID: changing it orphans every conversation).
constexpr UuidBytes kGroupNamespace = {0x8d, 0x7c, 0x0f, 0x1e, 0x5b, 0x8a, 0x4c, 0x61,
                                       0x9e, 0x55, 0x3c, 0x1f, 0x0a, 0x6b, 0x2d, 0x94};
constexpr const char* kHeadSk = "GROUP";

AttributeValue s(std::string text) {
  return AttributeValue::string(std::move(text));
}

std::string format_time(Clock::time_point time) {
  auto micros = std::chrono::duration_cast<Micros>(time.time_since_epoch()).count();
  auto seconds = static_cast<std::time_t>(micros / 1'000'000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char date[24];
  std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &utc);
  char fraction[8];
  std::snprintf(fraction, sizeof(fraction), "%06u",
                static_cast<unsigned>((micros % 1'000'000 + 1'000'000) % 1'000'000));
  return std::string(date) + "." + fraction + "+00:00";
}

std::optional<Clock::time_point> parse_time(std::string_view text) {
  if (text.size() < kTimeLength || text.substr(26, 6) != "+00:00") return std::nullopt;
  std::tm utc{};
  long long micros = 0;
  std::string copy(text.substr(0, 26));
  int consumed = 0;
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%6lld%n", &utc.tm_year, &utc.tm_mon,
                  &utc.tm_mday, &utc.tm_hour, &utc.tm_min, &utc.tm_sec, &micros, &consumed)
          != 7
      || consumed != 26) {
    return std::nullopt;
  }
  std::chrono::year_month_day date{std::chrono::year(utc.tm_year),
                                   std::chrono::month(static_cast<unsigned>(utc.tm_mon)),
                                   std::chrono::day(static_cast<unsigned>(utc.tm_mday))};
  if (!date.ok() || utc.tm_hour < 0 || utc.tm_hour > 23 || utc.tm_min < 0 || utc.tm_min > 59
      || utc.tm_sec < 0 || utc.tm_sec > 59 || micros < 0) {
    return std::nullopt;
  }
  utc.tm_year -= 1900;
  utc.tm_mon -= 1;
  return Clock::from_time_t(timegm(&utc)) + Micros(micros);
}

std::string grp_pk(const std::string& user_uuid) {
  return "GRP#" + user_uuid;
}
std::string msg_pk(const std::string& group_uuid) {
  return "MSG#" + group_uuid;
}
std::string head_pk(const std::string& group_uuid) {
  return "GROUP#" + group_uuid;
}

Item head_key(const std::string& group_uuid) {
  return {{"pk", s(head_pk(group_uuid))}, {"sk", s(kHeadSk)}};
}

AttributeValue member_value(const Participant& member) {
  AttributeValue::Map entry{{"display_name", s(member.display_name)}, {"handle", s(member.handle)}};
  return AttributeValue::map(std::move(entry));
}

GroupHead to_head(const Item& item) {
  GroupHead head;
  head.group_uuid = aws::string_attribute(item, "message_group_uuid");
  head.latest_sk = aws::string_attribute(item, "latest_sk");
  head.version = item.at("version").text();
  for (const auto& [uuid, entry] : item.at("members").as_map()) {
    const auto& fields = entry.as_map();
    head.members[uuid] = {uuid, fields.at("display_name").text(), fields.at("handle").text()};
  }
  return head;
}

// The GRP item of `owner` for a conversation with `other` whose latest message is `message`.
Item group_item(const std::string& owner, const Participant& other, const StoredMessage& message,
                const std::string& sk) {
  return {{"pk", s(grp_pk(owner))},
          {"sk", s(sk)},
          {"message_group_uuid", s(message.group_uuid)},
          {"message", s(message.message)},
          {"created_at", s(message.created_at)},
          {"user_uuid", s(other.uuid)},
          {"user_display_name", s(other.display_name)},
          {"user_handle", s(other.handle)}};
}

Item message_item(const StoredMessage& message, bool first) {
  Item item{{"pk", s(msg_pk(message.group_uuid))},
            {"sk", s(message.sk)},
            {"message_group_uuid", s(message.group_uuid)},
            {"message_uuid", s(message.uuid)},
            {"message", s(message.message)},
            {"created_at", s(message.created_at)},
            {"user_uuid", s(message.sender.uuid)},
            {"user_display_name", s(message.sender.display_name)},
            {"user_handle", s(message.sender.handle)}};
  if (first) item["first_in_group"] = AttributeValue::boolean(true);
  return item;
}

aws::PutItemRequest put_new(const std::string& table, Item item) {
  return {table, std::move(item), "attribute_not_exists(pk)", {}, {}};
}

aws::PutItemRequest put(const std::string& table, Item item) {
  return {table, std::move(item), std::nullopt, {}, {}};
}

// A new conversation: its head, both GRP items and the first message, none of which may exist.
std::vector<aws::TransactItem> creation(const std::string& table, const StoredMessage& message,
                                        const Participant& recipient) {
  const auto& sender = message.sender;
  auto group_sk = message.created_at + "#" + message.group_uuid;
  Item head = head_key(message.group_uuid);
  head["message_group_uuid"] = s(message.group_uuid);
  head["latest_sk"] = s(group_sk);
  head["version"] = AttributeValue::number("1");
  head["members"] = AttributeValue::map(
      {{sender.uuid, member_value(sender)}, {recipient.uuid, member_value(recipient)}});
  std::vector<aws::TransactItem> items;
  items.emplace_back(put_new(table, std::move(head)));
  items.emplace_back(put(table, group_item(sender.uuid, recipient, message, group_sk)));
  items.emplace_back(put(table, group_item(recipient.uuid, sender, message, group_sk)));
  items.emplace_back(put_new(table, message_item(message, true)));
  return items;
}

// A message in an existing conversation: the head moves on only from the version that was read,
// both GRP items move to the new sort key (old ones deleted), the message is added.
std::vector<aws::TransactItem> continuation(const std::string& table, const GroupHead& head,
                                            const StoredMessage& message,
                                            const Participant& other) {
  const auto& sender = message.sender;
  auto group_sk = message.created_at + "#" + message.group_uuid;
  auto next_version = std::to_string(std::stoll(head.version) + 1);
  aws::UpdateItemRequest moved{table,
                               head_key(head.group_uuid),
                               "SET latest_sk = :sk, #version = :next, members.#sender = :sender",
                               "#version = :read",
                               {{"#version", "version"}, {"#sender", sender.uuid}},
                               {{":sk", s(group_sk)},
                                {":next", AttributeValue::number(next_version)},
                                {":read", AttributeValue::number(head.version)},
                                {":sender", member_value(sender)}},
                               "NONE"};
  std::vector<aws::TransactItem> items;
  items.emplace_back(std::move(moved));
  for (const auto* owner : {&sender, &other}) {
    Item old_key{{"pk", s(grp_pk(owner->uuid))}, {"sk", s(head.latest_sk)}};
    items.emplace_back(aws::DeleteItemRequest{table, std::move(old_key), std::nullopt, {}, {}});
  }
  items.emplace_back(put(table, group_item(sender.uuid, other, message, group_sk)));
  items.emplace_back(put(table, group_item(other.uuid, sender, message, group_sk)));
  items.emplace_back(put_new(table, message_item(message, false)));
  return items;
}

// A conflict another post caused: read again and retry.
bool is_conflict(const aws::TransactionCanceled& error) {
  for (const auto& reason : error.reasons()) {
    if (reason.code != "None" && reason.code != "ConditionalCheckFailed"
        && reason.code != "TransactionConflict" && !reason.code.empty()) {
      return false;
    }
  }
  return true;
}

std::chrono::milliseconds conflict_backoff(int attempt) {
  thread_local std::mt19937 random{std::random_device{}()};
  std::uniform_int_distribution<int> pick(1, std::min(5 << std::min(attempt, 6), 200));
  return std::chrono::milliseconds(pick(random));
}

// The message's time: now, but after the conversation's latest message (sort keys must grow).
Clock::time_point message_time(const std::optional<GroupHead>& head) {
  auto now = Clock::now();
  if (!head) return now;
  auto latest = parse_time(head->latest_sk);
  if (latest && now <= *latest) return *latest + Micros(1);
  return now;
}

aws::QueryRequest page_query(const std::string& table, std::string pk, unsigned limit,
                             const std::optional<std::string>& before) {
  aws::QueryRequest query;
  query.table = table;
  query.key_condition = before ? "pk = :pk AND sk < :before" : "pk = :pk";
  query.values = {{":pk", s(std::move(pk))}};
  if (before) query.values[":before"] = s(*before);
  query.limit = limit;
  query.forward = false;
  query.consistent_read = true;
  return query;
}

GroupSummary to_summary(const Item& item) {
  GroupSummary summary;
  summary.group_uuid = aws::string_attribute(item, "message_group_uuid");
  summary.message = aws::string_attribute(item, "message");
  summary.created_at = aws::string_attribute(item, "created_at");
  summary.sk = aws::string_attribute(item, "sk");
  summary.other = {aws::string_attribute(item, "user_uuid"),
                   aws::string_attribute(item, "user_display_name"),
                   aws::string_attribute(item, "user_handle")};
  return summary;
}

StoredMessage to_message(const Item& item) {
  StoredMessage message;
  message.group_uuid = aws::string_attribute(item, "message_group_uuid");
  message.uuid = aws::string_attribute(item, "message_uuid");
  message.message = aws::string_attribute(item, "message");
  message.created_at = aws::string_attribute(item, "created_at");
  message.sk = aws::string_attribute(item, "sk");
  message.sender = {aws::string_attribute(item, "user_uuid"),
                    aws::string_attribute(item, "user_display_name"),
                    aws::string_attribute(item, "user_handle")};
  return message;
}

StoredMessage new_message(const Participant& sender, const std::string& group_uuid,
                          const std::string& text, Clock::time_point time) {
  StoredMessage message;
  message.group_uuid = group_uuid;
  message.uuid = random_uuid();
  message.message = text;
  message.created_at = format_time(time);
  message.sk = message.created_at + "#" + message.uuid;
  message.sender = sender;
  return message;
}

// Whether `message` is stored: a transaction whose answer was lost (an attempt timed out after
// DynamoDB applied it) is retried by the AWS client and then fails its own conditions. Its
// ClientRequestToken makes AWS answer such a retry as a success, but an emulator may not honour
// the token, so a conflict first looks for the message itself. By-value parameters: coroutine.
asio::awaitable<bool> is_stored(aws::DynamoDb& dynamo, std::string table, std::string group_uuid,
                                std::string sk) {
  aws::GetItemRequest request;
  request.table = std::move(table);
  request.key = {{"pk", s(msg_pk(group_uuid))}, {"sk", s(sk)}};
  request.consistent_read = true;
  auto item = co_await dynamo.get_item(std::move(request));
  co_return item.has_value();
}

}  // namespace

bool is_store_sort_key(std::string_view sk) {
  return sk.size() == kTimeLength + 1 + 36 && sk[kTimeLength] == '#'
         && parse_time(sk.substr(0, kTimeLength)) && is_uuid(sk.substr(kTimeLength + 1));
}

MessageStore::MessageStore(aws::DynamoDb& dynamo, std::string table)
    : dynamo_(dynamo), table_(std::move(table)) {}

nlohmann::json MessageStore::table_definition(const std::string& table) {
  auto definition = nlohmann::json::parse(R"({
    "AttributeDefinitions": [
      {"AttributeName": "pk", "AttributeType": "S"},
      {"AttributeName": "sk", "AttributeType": "S"},
      {"AttributeName": "message_group_uuid", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                  {"AttributeName": "sk", "KeyType": "RANGE"}],
    "GlobalSecondaryIndexes": [{
      "IndexName": "message-group-sk-index",
      "KeySchema": [{"AttributeName": "message_group_uuid", "KeyType": "HASH"},
                    {"AttributeName": "sk", "KeyType": "RANGE"}],
      "Projection": {"ProjectionType": "ALL"}}],
    "BillingMode": "PAY_PER_REQUEST",
    "StreamSpecification": {"StreamEnabled": true, "StreamViewType": "NEW_IMAGE"}})");
  definition["TableName"] = table;
  return definition;
}

std::string MessageStore::group_uuid_for(const std::string& user_a, const std::string& user_b) {
  const auto& low = std::min(user_a, user_b);
  const auto& high = std::max(user_a, user_b);
  return name_uuid(kGroupNamespace, low + ":" + high);
}

asio::awaitable<std::optional<GroupHead>> MessageStore::head(std::string group_uuid) {
  aws::GetItemRequest request;
  request.table = table_;
  request.key = head_key(group_uuid);
  request.consistent_read = true;
  auto item = co_await dynamo_.get_item(std::move(request));
  if (!item) co_return std::nullopt;
  co_return to_head(*item);
}

asio::awaitable<StoredMessage> MessageStore::post(Participant sender,
                                                  std::optional<Participant> recipient,
                                                  std::string group_uuid, std::string text) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  auto deadline = std::chrono::steady_clock::now() + kPostBudget;
  for (int attempt = 1; attempt <= kPostAttempts; ++attempt) {
    auto current = co_await head(group_uuid);
    if (!current && !recipient) throw NotFound("no such conversation");
    if (current && !current->has_member(sender.uuid)) throw NotFound("no such conversation");
    auto message = new_message(sender, group_uuid, text, message_time(current));
    std::vector<aws::TransactItem> items;
    if (current) {
      auto other = recipient;
      for (const auto& [uuid, member] : current->members) {
        if (uuid != sender.uuid && !other) other = member;
      }
      if (!other) throw NotFound("no such conversation");
      items = continuation(table_, *current, message, *other);
    } else {
      items = creation(table_, message, *recipient);
    }
    bool conflicted = false;
    try {
      std::optional<std::string> token = message.uuid;  // a retried call is applied once
      co_await dynamo_.transact_write(std::move(items), std::move(token));
      co_return message;
    } catch (const aws::TransactionCanceled& error) {
      if (!is_conflict(error)) throw;
      conflicted = true;
    }
    if (conflicted) {
      if (co_await is_stored(dynamo_, table_, group_uuid, message.sk)) co_return message;
      spdlog::debug("post to conversation {} conflicted (attempt {}); reading it again", group_uuid,
                    attempt);
      auto wait = conflict_backoff(attempt);
      if (std::chrono::steady_clock::now() + wait > deadline) break;
      timer.expires_after(wait);
      co_await timer.async_wait(asio::use_awaitable);
    }
  }
  throw Error("messages_unavailable",
              "the conversation kept changing under this message; try again");
}

asio::awaitable<StorePage<GroupSummary>> MessageStore::groups(std::string user_uuid, unsigned limit,
                                                              std::optional<std::string> before) {
  auto page = co_await dynamo_.query(page_query(table_, grp_pk(user_uuid), limit, before));
  StorePage<GroupSummary> out;
  for (const auto& item : page.items) out.items.push_back(to_summary(item));
  if (out.items.size() == limit && page.last_key) out.next_sk = out.items.back().sk;
  co_return out;
}

asio::awaitable<StorePage<StoredMessage>> MessageStore::messages(
    std::string group_uuid, unsigned limit, std::optional<std::string> before) {
  auto page = co_await dynamo_.query(page_query(table_, msg_pk(group_uuid), limit, before));
  StorePage<StoredMessage> out;
  for (auto it = page.items.rbegin(); it != page.items.rend(); ++it) {
    out.items.push_back(to_message(*it));
  }
  if (out.items.size() == limit && page.last_key) out.next_sk = out.items.front().sk;
  co_return out;
}

}  // namespace cruddur::service
