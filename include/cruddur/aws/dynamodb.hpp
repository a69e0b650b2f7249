#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "cruddur/aws/attribute_value.hpp"
#include "cruddur/core/asio.hpp"

namespace cruddur::aws {

class AwsClient;

/// `#name` placeholders of an expression → attribute names.
using ExpressionNames = std::map<std::string, std::string>;

struct PutItemRequest {
  std::string table;
  Item item;
  std::optional<std::string> condition;  ///< ConditionExpression
  ExpressionNames names;
  Item values;  ///< `:value` placeholders
};

struct GetItemRequest {
  std::string table;
  Item key;
  bool consistent_read = false;
};

struct DeleteItemRequest {
  std::string table;
  Item key;
  std::optional<std::string> condition;
  ExpressionNames names;
  Item values;
};

struct UpdateItemRequest {
  std::string table;
  Item key;
  std::string update;  ///< UpdateExpression
  std::optional<std::string> condition;
  ExpressionNames names;
  Item values;
  std::string return_values = "NONE";  ///< NONE, ALL_NEW, ALL_OLD, UPDATED_NEW, UPDATED_OLD
};

/// A TransactWriteItems entry that only checks a condition.
struct ConditionCheckRequest {
  std::string table;
  Item key;
  std::string condition;
  ExpressionNames names;
  Item values;
};

struct QueryRequest {
  std::string table;
  std::optional<std::string> index;  ///< a GSI or LSI name
  std::string key_condition;         ///< KeyConditionExpression
  std::optional<std::string> filter;
  ExpressionNames names;
  Item values;
  std::optional<unsigned> limit;  ///< items evaluated per page
  bool forward = true;            ///< ScanIndexForward: false = sort key descending
  std::optional<Item> start_key;  ///< ExclusiveStartKey: a previous page's `last_key`
  bool consistent_read = false;   ///< not allowed on a GSI
};

struct ScanRequest {
  std::string table;
  std::optional<std::string> index;
  std::optional<std::string> filter;
  ExpressionNames names;
  Item values;
  std::optional<unsigned> limit;
  std::optional<Item> start_key;
};

/// One page of a Query or Scan; `last_key` (LastEvaluatedKey) is set when more may follow.
struct Page {
  std::vector<Item> items;
  std::optional<Item> last_key;
};

/// A BatchWriteItem entry: put `item`, or delete the item with key `item`.
struct WriteRequest {
  enum class Kind { put, remove };
  Kind kind = Kind::put;
  Item item;
};

using TransactItem =
    std::variant<PutItemRequest, UpdateItemRequest, DeleteItemRequest, ConditionCheckRequest>;

/// DynamoDB over the JSON protocol (`DynamoDB_20120810`) on an AwsClient: every call is
/// asynchronous, bounded and retried as AwsClient says, and throws AwsError (`aws_not_found` for
/// a missing table, `aws_condition_failed` for a failed condition, TransactionCanceled …).
/// Table definitions and descriptions are plain JSON (the protocol's shapes); items are typed.
/// Thread-safe; `client` must outlive it.
class DynamoDb {
 public:
  explicit DynamoDb(AwsClient& client) : client_(client) {}

  /// `definition` is a CreateTable request (TableName, KeySchema, …); returns TableDescription.
  asio::awaitable<nlohmann::json> create_table(nlohmann::json definition);
  /// The `Table` of DescribeTable.
  asio::awaitable<nlohmann::json> describe_table(std::string table);
  asio::awaitable<void> delete_table(std::string table);
  /// Every table name (all pages).
  asio::awaitable<std::vector<std::string>> list_tables();

  asio::awaitable<void> put_item(PutItemRequest request);
  /// nullopt when there is no such item.
  asio::awaitable<std::optional<Item>> get_item(GetItemRequest request);
  asio::awaitable<void> delete_item(DeleteItemRequest request);
  /// The `Attributes` asked for by `return_values` (nullopt for NONE).
  asio::awaitable<std::optional<Item>> update_item(UpdateItemRequest request);

  /// One page; pass `last_key` as the next request's `start_key` for the next one.
  asio::awaitable<Page> query(QueryRequest request);
  /// Every page, in order (`limit` is then the page size).
  asio::awaitable<std::vector<Item>> query_all(QueryRequest request);
  asio::awaitable<Page> scan(ScanRequest request);
  asio::awaitable<std::vector<Item>> scan_all(ScanRequest request);

  /// Writes in requests of 25, sending `UnprocessedItems` again with backoff (up to 8 rounds, then
  /// AwsError `aws_throttled` naming how many were left).
  asio::awaitable<void> batch_write(std::string table, std::vector<WriteRequest> writes);
  /// All or nothing (at most 100 items). `client_token` (ClientRequestToken) makes a retried
  /// call idempotent for 10 minutes. Throws TransactionCanceled with AWS's reasons.
  asio::awaitable<void> transact_write(std::vector<TransactItem> items,
                                       std::optional<std::string> client_token = std::nullopt);

 private:
  asio::awaitable<nlohmann::json> call(std::string operation, nlohmann::json body);

  AwsClient& client_;
};

/// The JSON of a Query request (exposed for tests).
nlohmann::json to_json(const QueryRequest& request);

}  // namespace cruddur::aws
