#pragma once

#include <chrono>
#include <memory>
#include <string>

namespace cruddur::lambda {

/// One event handed out by `GET /runtime/invocation/next`.
struct Invocation {
  std::string request_id;  ///< Lambda-Runtime-Aws-Request-Id (never empty)
  /// Lambda-Runtime-Deadline-Ms; now + kDefaultBudget when the header is missing or malformed.
  std::chrono::system_clock::time_point deadline;
  std::string function_arn;  ///< Lambda-Runtime-Invoked-Function-Arn (may be empty)
  std::string trace_id;      ///< Lambda-Runtime-Trace-Id (may be empty)
  std::string payload;       ///< the event, byte for byte
};

/// Time given to an invocation whose deadline header is missing (Cognito waits 5 s per try).
inline constexpr std::chrono::milliseconds kDefaultBudget{3000};

/// Lambda's error document (`{"errorMessage","errorType","stackTrace":[]}`).
struct ErrorReport {
  std::string type;
  std::string message;
};

/// libcurl's process-wide set-up: create exactly one in `main` before any RuntimeClient and keep
/// it alive until they are gone. Throws cruddur::Error("runtime_api") when libcurl cannot start.
class CurlGlobal {
 public:
  CurlGlobal();
  ~CurlGlobal();
  CurlGlobal(const CurlGlobal&) = delete;
  CurlGlobal& operator=(const CurlGlobal&) = delete;
};

/// Closes a libcurl easy handle (CURL is `void` in curl.h, which this header does not include).
struct CurlEasyDeleter {
  void operator()(void* curl) const noexcept;
};

/// Client of the Lambda Runtime API at `http://<endpoint>/2018-06-01`, over one kept-alive libcurl
/// handle. Every call blocks; not thread-safe. Every failure (transport error or an unexpected
/// status) throws cruddur::Error("runtime_api"): the runtime is then expected to exit.
class RuntimeClient {
 public:
  /// `endpoint` is the value of AWS_LAMBDA_RUNTIME_API (`host:port`).
  explicit RuntimeClient(const std::string& endpoint);

  /// Waits, without a timeout, for the next event.
  Invocation next();
  /// Reports the result of `request_id`.
  void post_response(const std::string& request_id, const std::string& body);
  /// Reports that `request_id` failed (a function error).
  void post_error(const std::string& request_id, const ErrorReport& error);
  /// Reports that the runtime could not start; the caller then exits non-zero.
  void post_init_error(const ErrorReport& error);

 private:
  struct Reply;
  Reply request(const std::string& path, const std::string* body, const std::string& error_type);
  void post_expecting_accepted(const std::string& path, const std::string& body,
                               const std::string& error_type);

  std::string base_url_;
  std::unique_ptr<void, CurlEasyDeleter> curl_;
};

/// `error` as Lambda's JSON error document (invalid UTF-8 replaced, never throws on content).
std::string error_document(const ErrorReport& error);

}  // namespace cruddur::lambda
