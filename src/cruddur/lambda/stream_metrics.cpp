// The stream metrics Lambda: DynamoDB Streams batches → the metrics, once, with partial failures.
#include "cruddur/lambda/stream_metrics.hpp"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "cruddur/core/error.hpp"
#include "cruddur/service/metrics_store.hpp"
#include "cruddur/service/stream_records.hpp"
#include "embedded_sql.hpp"

namespace cruddur::lambda {
namespace {

service::ApplyResult apply_batch(db::Connection& connection,
                                 const std::vector<service::MessageInsert>& messages) {
  db::ScopedTransaction transaction(connection);
  connection.exec_params(std::string(metrics_lock_apply_sql()), {});
  auto result = connection.exec_params(std::string(metrics_apply_messages_sql()),
                                       {service::apply_messages_parameter(messages)});
  std::vector<std::string> columns;
  for (int column = 0; column < result.columns(); ++column) {
    columns.emplace_back(result.rows() == 1 ? result.value(0, column) : std::string_view());
  }
  auto applied = service::ApplyResult::from_columns(columns);
  transaction.commit();
  return applied;
}

}  // namespace

StreamMetricsHandler::StreamMetricsHandler(LambdaDatabase database)
    : database_(std::move(database)) {}

std::string StreamMetricsHandler::operator()(const Invocation& invocation) {
  auto batch = service::read_stream_event(invocation.payload);
  const service::RejectedRecord* failed =
      batch.rejected.empty() ? nullptr : &batch.rejected.front();
  if (failed != nullptr && failed->sequence_number.empty()) {
    throw Error("invalid_event", "record " + std::to_string(failed->index) + " of the batch ("
                                     + failed->reason + ") has no sequence number to report");
  }
  auto messages = failed != nullptr ? batch.messages_before(failed->index) : batch.messages;
  service::ApplyResult applied;
  if (!messages.empty()) {
    // Idempotent (the record ids), so LambdaDatabase may run it again on a new connection.
    database_.run(invocation.deadline,
                  [&](db::Connection& connection) { applied = apply_batch(connection, messages); });
  }
  spdlog::info(
      "batch of {} record(s): {} message(s) counted, {} counted before, {} "
      "conversation(s)",
      batch.records, applied.applied, applied.duplicates, applied.conversations);
  auto failures = nlohmann::json::array();
  if (failed != nullptr) {
    spdlog::error(
        "record {} (sequence number {}) cannot be counted: {}; reporting it as the "
        "batch's first failure (the records after it are not applied)",
        failed->event_id.empty() ? "-" : failed->event_id, failed->sequence_number, failed->reason);
    failures.push_back({{"itemIdentifier", failed->sequence_number}});
  }
  return nlohmann::json{{"batchItemFailures", failures}}.dump();
}

}  // namespace cruddur::lambda
