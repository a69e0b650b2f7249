// DynamoDB operations as JSON-protocol calls: typed requests in, typed items out.
#include "cruddur/aws/dynamodb.hpp"

#include <algorithm>
#include <random>

#include "cruddur/aws/aws_client.hpp"
#include "cruddur/aws/aws_error.hpp"

namespace cruddur::aws {
namespace {

using nlohmann::json;

constexpr std::size_t kBatchSize = 25;
constexpr int kBatchRounds = 8;

void add_expression_parts(json& body, const ExpressionNames& names, const Item& values) {
  if (!names.empty()) body["ExpressionAttributeNames"] = names;
  if (!values.empty()) body["ExpressionAttributeValues"] = item_to_json(values);
}

json to_body(const PutItemRequest& request) {
  json body{{"TableName", request.table}, {"Item", item_to_json(request.item)}};
  if (request.condition) body["ConditionExpression"] = *request.condition;
  add_expression_parts(body, request.names, request.values);
  return body;
}

json to_body(const DeleteItemRequest& request) {
  json body{{"TableName", request.table}, {"Key", item_to_json(request.key)}};
  if (request.condition) body["ConditionExpression"] = *request.condition;
  add_expression_parts(body, request.names, request.values);
  return body;
}

json to_body(const UpdateItemRequest& request) {
  json body{{"TableName", request.table},
            {"Key", item_to_json(request.key)},
            {"UpdateExpression", request.update}};
  if (request.condition) body["ConditionExpression"] = *request.condition;
  if (request.return_values != "NONE") body["ReturnValues"] = request.return_values;
  add_expression_parts(body, request.names, request.values);
  return body;
}

json to_body(const ConditionCheckRequest& request) {
  json body{{"TableName", request.table},
            {"Key", item_to_json(request.key)},
            {"ConditionExpression", request.condition}};
  add_expression_parts(body, request.names, request.values);
  return body;
}

json to_body(const ScanRequest& request) {
  json body{{"TableName", request.table}};
  if (request.index) body["IndexName"] = *request.index;
  if (request.filter) body["FilterExpression"] = *request.filter;
  if (request.limit) body["Limit"] = *request.limit;
  if (request.start_key) body["ExclusiveStartKey"] = item_to_json(*request.start_key);
  add_expression_parts(body, request.names, request.values);
  return body;
}

json to_body(const GetItemRequest& request) {
  json body{{"TableName", request.table}, {"Key", item_to_json(request.key)}};
  if (request.consistent_read) body["ConsistentRead"] = true;
  return body;
}

json transact_body(const std::vector<TransactItem>& items,
                   const std::optional<std::string>& client_token) {
  json list = json::array();
  for (const auto& item : items) {
    if (const auto* put = std::get_if<PutItemRequest>(&item)) {
      list.push_back({{"Put", to_body(*put)}});
    } else if (const auto* update = std::get_if<UpdateItemRequest>(&item)) {
      auto body = to_body(*update);
      body.erase("ReturnValues");
      list.push_back({{"Update", std::move(body)}});
    } else if (const auto* remove = std::get_if<DeleteItemRequest>(&item)) {
      list.push_back({{"Delete", to_body(*remove)}});
    } else {
      list.push_back({{"ConditionCheck", to_body(std::get<ConditionCheckRequest>(item))}});
    }
  }
  json body{{"TransactItems", std::move(list)}};
  if (client_token) body["ClientRequestToken"] = *client_token;
  return body;
}

Page to_page(const json& answer) {
  Page page;
  if (auto items = answer.find("Items"); items != answer.end() && items->is_array()) {
    page.items.reserve(items->size());
    for (const auto& item : *items) page.items.push_back(item_from_json(item));
  }
  if (auto last = answer.find("LastEvaluatedKey"); last != answer.end() && !last->empty()) {
    page.last_key = item_from_json(*last);
  }
  return page;
}

json batch_body(const std::string& table, std::vector<WriteRequest>::const_iterator begin,
                std::vector<WriteRequest>::const_iterator end) {
  json writes = json::array();
  for (auto it = begin; it != end; ++it) {
    if (it->kind == WriteRequest::Kind::put) {
      writes.push_back({{"PutRequest", {{"Item", item_to_json(it->item)}}}});
    } else {
      writes.push_back({{"DeleteRequest", {{"Key", item_to_json(it->item)}}}});
    }
  }
  json requests = json::object();
  requests[table] = std::move(writes);
  return json{{"RequestItems", std::move(requests)}};
}

// The UnprocessedItems of an answer as the next request body, or nullopt when none are left.
std::optional<json> unprocessed(const json& answer, std::size_t& count) {
  count = 0;
  auto found = answer.find("UnprocessedItems");
  if (found == answer.end() || !found->is_object() || found->empty()) return std::nullopt;
  for (const auto& entry : found->items()) count += entry.value().size();
  if (count == 0) return std::nullopt;
  return json{{"RequestItems", *found}};
}

std::chrono::milliseconds batch_backoff(int round) {
  thread_local std::mt19937 random{std::random_device{}()};
  std::uniform_int_distribution<int> pick(0, std::min(50 << round, 2000));
  return std::chrono::milliseconds(pick(random));
}

}  // namespace

json to_json(const QueryRequest& request) {
  json body{{"TableName", request.table},
            {"KeyConditionExpression", request.key_condition},
            {"ScanIndexForward", request.forward}};
  if (request.index) body["IndexName"] = *request.index;
  if (request.filter) body["FilterExpression"] = *request.filter;
  if (request.limit) body["Limit"] = *request.limit;
  if (request.start_key) body["ExclusiveStartKey"] = item_to_json(*request.start_key);
  if (request.consistent_read) body["ConsistentRead"] = true;
  add_expression_parts(body, request.names, request.values);
  return body;
}

asio::awaitable<json> DynamoDb::call(std::string operation, json body) {
  auto text = body.dump();
  co_return co_await client_.call(dynamodb_service(), std::move(operation), std::move(text));
}

asio::awaitable<json> DynamoDb::create_table(json definition) {
  auto answer = co_await call("CreateTable", std::move(definition));
  co_return answer.value("TableDescription", json::object());
}

asio::awaitable<json> DynamoDb::describe_table(std::string table) {
  json body = json::object();
  body["TableName"] = std::move(table);
  auto answer = co_await call("DescribeTable", std::move(body));
  co_return answer.value("Table", json::object());
}

asio::awaitable<void> DynamoDb::delete_table(std::string table) {
  json body = json::object();
  body["TableName"] = std::move(table);
  co_await call("DeleteTable", std::move(body));
}

asio::awaitable<std::vector<std::string>> DynamoDb::list_tables() {
  std::vector<std::string> names;
  std::optional<std::string> start;
  do {
    json body = json::object();
    if (start) body["ExclusiveStartTableName"] = *start;
    auto answer = co_await call("ListTables", std::move(body));
    for (const auto& name : answer.value("TableNames", json::array())) {
      names.push_back(name.get<std::string>());
    }
    start.reset();
    if (auto last = answer.find("LastEvaluatedTableName");
        last != answer.end() && last->is_string()) {
      start = last->get<std::string>();
    }
  } while (start);
  co_return names;
}

asio::awaitable<void> DynamoDb::put_item(PutItemRequest request) {
  co_await call("PutItem", to_body(request));
}

asio::awaitable<std::optional<Item>> DynamoDb::get_item(GetItemRequest request) {
  auto answer = co_await call("GetItem", to_body(request));
  auto found = answer.find("Item");
  if (found == answer.end() || found->empty()) co_return std::nullopt;
  co_return item_from_json(*found);
}

asio::awaitable<void> DynamoDb::delete_item(DeleteItemRequest request) {
  co_await call("DeleteItem", to_body(request));
}

asio::awaitable<std::optional<Item>> DynamoDb::update_item(UpdateItemRequest request) {
  auto answer = co_await call("UpdateItem", to_body(request));
  auto found = answer.find("Attributes");
  if (found == answer.end()) co_return std::nullopt;
  co_return item_from_json(*found);
}

asio::awaitable<Page> DynamoDb::query(QueryRequest request) {
  auto answer = co_await call("Query", to_json(request));
  co_return to_page(answer);
}

asio::awaitable<std::vector<Item>> DynamoDb::query_all(QueryRequest request) {
  std::vector<Item> items;
  do {
    auto page = co_await query(request);
    std::move(page.items.begin(), page.items.end(), std::back_inserter(items));
    request.start_key = std::move(page.last_key);
  } while (request.start_key);
  co_return items;
}

asio::awaitable<Page> DynamoDb::scan(ScanRequest request) {
  auto answer = co_await call("Scan", to_body(request));
  co_return to_page(answer);
}

asio::awaitable<std::vector<Item>> DynamoDb::scan_all(ScanRequest request) {
  std::vector<Item> items;
  do {
    auto page = co_await scan(request);
    std::move(page.items.begin(), page.items.end(), std::back_inserter(items));
    request.start_key = std::move(page.last_key);
  } while (request.start_key);
  co_return items;
}

asio::awaitable<void> DynamoDb::batch_write(std::string table, std::vector<WriteRequest> writes) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (std::size_t start = 0; start < writes.size(); start += kBatchSize) {
    auto end = std::min(writes.size(), start + kBatchSize);
    auto body = batch_body(table, writes.begin() + static_cast<long>(start),
                           writes.begin() + static_cast<long>(end));
    for (int round = 0;; ++round) {
      auto answer = co_await call("BatchWriteItem", std::move(body));
      std::size_t left = 0;
      auto next = unprocessed(answer, left);
      if (!next) break;
      if (round + 1 >= kBatchRounds) {
        throw AwsError("aws_throttled", "UnprocessedItems", 200,
                       "BatchWriteItem failed: " + std::to_string(left)
                           + " item(s) still unprocessed after " + std::to_string(kBatchRounds)
                           + " rounds");
      }
      body = std::move(*next);
      timer.expires_after(batch_backoff(round));
      co_await timer.async_wait(asio::use_awaitable);
    }
  }
}

asio::awaitable<void> DynamoDb::transact_write(std::vector<TransactItem> items,
                                               std::optional<std::string> client_token) {
  co_await call("TransactWriteItems", transact_body(items, client_token));
}

}  // namespace cruddur::aws
