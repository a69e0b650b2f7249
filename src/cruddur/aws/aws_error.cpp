// AWS error types (`__type`) grouped into the stable codes callers and the HTTP mapping use.
#include "cruddur/aws/aws_error.hpp"

#include <array>
#include <string_view>

namespace cruddur::aws {
namespace {

constexpr std::array<std::string_view, 7> kThrottling = {"ThrottlingException",
                                                         "Throttling",
                                                         "ProvisionedThroughputExceededException",
                                                         "RequestLimitExceeded",
                                                         "TooManyRequestsException",
                                                         "ThrottledException",
                                                         "SlowDown"};

constexpr std::array<std::string_view, 11> kDenied = {"UnrecognizedClientException",
                                                      "InvalidSignatureException",
                                                      "AccessDeniedException",
                                                      "MissingAuthenticationTokenException",
                                                      "IncompleteSignatureException",
                                                      "ExpiredTokenException",
                                                      "InvalidClientTokenId",
                                                      "SignatureDoesNotMatch",
                                                      "NotAuthorizedException",
                                                      "MissingAuthenticationToken",
                                                      "AccessDenied"};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view type) {
  for (auto entry : list) {
    if (entry == type) return true;
  }
  return false;
}

}  // namespace

bool is_throttling(const std::string& type) {
  return contains(kThrottling, type);
}

std::string error_code_for(const std::string& type, unsigned status) {
  if (type == "ResourceNotFoundException" || type == "UserNotFoundException") {
    return "aws_not_found";
  }
  if (type == "ConditionalCheckFailedException") return "aws_condition_failed";
  if (type == "TransactionCanceledException") return "aws_transaction_canceled";
  if (type == "ExpiredIteratorException") return "aws_expired_iterator";
  if (type == "TrimmedDataAccessException") return "aws_trimmed_data";
  if (is_throttling(type)) return "aws_throttled";
  if (contains(kDenied, type) || status == 401 || status == 403) return "aws_denied";
  if (status >= 500 || status == 0) return "aws_unavailable";
  if (status >= 400) return "aws_bad_request";
  return "aws_error";
}

bool TransactionCanceled::only_conditions_failed() const {
  bool any = false;
  for (const auto& reason : reasons_) {
    if (reason.code == "ConditionalCheckFailed") {
      any = true;
    } else if (!reason.code.empty() && reason.code != "None") {
      return false;
    }
  }
  return any;
}

}  // namespace cruddur::aws
