#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cruddur/core/error.hpp"

namespace cruddur::aws {

/// A failed AWS call. `type()` is AWS's error type without its namespace (the part of `__type`
/// after `#`, e.g. `ResourceNotFoundException`; `ServiceUnavailable` or `NetworkError` when no
/// answer came), `status()` the HTTP status (0 when none). `code()` groups the types:
///
/// | code | types |
/// |---|---|
/// | `aws_not_found` | ResourceNotFoundException, UserNotFoundException |
/// | `aws_condition_failed` | ConditionalCheckFailedException |
/// | `aws_transaction_canceled` | TransactionCanceledException (see TransactionCanceled) |
/// | `aws_throttled` | throttling types, still throttled after the retries |
/// | `aws_denied` | bad or unknown keys, bad signature, expired token, access denied,
/// NotAuthorizedException | | `aws_unavailable` | 5xx, connection failures and timeouts, after the
/// retries | | `aws_bad_request` | ValidationException, SerializationException and other 4xx | |
/// `aws_expired_iterator`, `aws_trimmed_data` | DynamoDB Streams' ExpiredIteratorException,
/// TrimmedDataAccessException | | `aws_no_credentials` | no credentials anywhere in the chain |
///
/// Messages name the operation and AWS's own first sentence (cut short), never a key or token.
class AwsError : public cruddur::Error {
 public:
  AwsError(std::string code, std::string type, unsigned status, const std::string& message)
      : Error(std::move(code), message), type_(std::move(type)), status_(status) {}

  [[nodiscard]] const std::string& type() const noexcept { return type_; }
  [[nodiscard]] unsigned status() const noexcept { return status_; }

 private:
  std::string type_;
  unsigned status_;
};

/// One entry of a TransactionCanceledException's `CancellationReasons`, in item order: `code`
/// is `None` for items that did not fail, `ConditionalCheckFailed`, `TransactionConflict` …
struct CancellationReason {
  std::string code;
  std::string message;
};

/// TransactWriteItems refused: nothing was written. `reasons()` are AWS's, one per item.
class TransactionCanceled : public AwsError {
 public:
  TransactionCanceled(unsigned status, const std::string& message,
                      std::vector<CancellationReason> reasons)
      : AwsError("aws_transaction_canceled", "TransactionCanceledException", status, message),
        reasons_(std::move(reasons)) {}

  [[nodiscard]] const std::vector<CancellationReason>& reasons() const noexcept { return reasons_; }
  /// True when some item failed its condition (and none failed for another reason but `None`).
  [[nodiscard]] bool only_conditions_failed() const;

 private:
  std::vector<CancellationReason> reasons_;
};

/// The `code()` for an AWS error type (see AwsError).
std::string error_code_for(const std::string& type, unsigned status);

/// True for the error types AWS asks clients to retry with backoff (throttling).
bool is_throttling(const std::string& type);

}  // namespace cruddur::aws
