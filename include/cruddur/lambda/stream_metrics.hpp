#pragma once

#include <string>

#include "cruddur/lambda/lambda_database.hpp"
#include "cruddur/lambda/runtime_client.hpp"

namespace cruddur::lambda {

/// Handles DynamoDB Streams batches of the messages table (an event source mapping with
/// `ReportBatchItemFailures`): counts the message INSERTs with the same statements as
/// `cruddur metrics sync` (metrics/lock_apply, metrics/apply_messages), in one transaction that
/// also stores each record's eventID, so a batch delivered twice, or a record also read by a CLI
/// sync, is counted once. Records are applied in order up to the first one that cannot be read;
/// that one is answered as `batchItemFailures` (Lambda then retries from it, and after its retries
/// hands it to the on-failure destination). Not thread-safe.
class StreamMetricsHandler {
 public:
  /// `database` is the function's connection (application name cruddur-stream-metrics).
  explicit StreamMetricsHandler(LambdaDatabase database);

  /// Returns `{"batchItemFailures":[]}`, or with the first unreadable record's sequence number as
  /// `itemIdentifier`. Throws cruddur::Error("invalid_event") when the event has no `Records`
  /// array (or the unreadable record has no sequence number to report), or what
  /// LambdaDatabase::run throws: the whole batch is then retried.
  std::string operator()(const Invocation& invocation);

 private:
  LambdaDatabase database_;
};

/// The application name of the stream metrics function's database sessions.
inline constexpr const char* kStreamMetricsApplicationName = "cruddur-stream-metrics";

}  // namespace cruddur::lambda
