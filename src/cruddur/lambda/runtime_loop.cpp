// The custom-runtime loop: next → handle → response or error, with the trace id exported.
#include "cruddur/lambda/runtime_loop.hpp"

#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "cruddur/core/config.hpp"
#include "cruddur/core/error.hpp"
#include "cruddur/core/log.hpp"

namespace cruddur::lambda {
namespace {

constexpr const char* kTraceVariable = "_X_AMZN_TRACE_ID";

std::string pascal_case(const std::string& code) {
  std::string out;
  bool upper = true;
  for (char c : code) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

// Lambda's documented contract for custom runtimes: the X-Ray SDKs read the trace id from here.
void export_trace_id(const std::string& trace_id) {
  if (trace_id.empty()) {
    unsetenv(kTraceVariable);
  } else {
    setenv(kTraceVariable, trace_id.c_str(), 1);
  }
}

}  // namespace

ErrorReport error_report(const std::exception& error) {
  if (const auto* known = dynamic_cast<const Error*>(&error)) {
    return {pascal_case(known->code()), known->what()};
  }
  return {"InternalError", error.what()};
}

int run_runtime_loop(RuntimeClient& client, const Handler& handler) {
  try {
    for (;;) {
      auto invocation = client.next();
      auto started = std::chrono::steady_clock::now();
      auto elapsed_ms = [&started] {
        return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count();
      };
      export_trace_id(invocation.trace_id);
      spdlog::info("invocation {} started (trace {})", invocation.request_id,
                   invocation.trace_id.empty() ? "-" : invocation.trace_id);
      std::string response;
      try {
        response = handler(invocation);
      } catch (const std::exception& error) {
        auto report = error_report(error);
        spdlog::error("invocation {} failed in {:.1f} ms: {}: {}", invocation.request_id,
                      elapsed_ms(), report.type, report.message);
        client.post_error(invocation.request_id, report);
        continue;
      }
      spdlog::info("invocation {} succeeded in {:.1f} ms", invocation.request_id, elapsed_ms());
      client.post_response(invocation.request_id, response);
    }
  } catch (const std::exception& error) {
    spdlog::critical("stopping: {}", error.what());
  }
  return 1;
}

namespace {

// Settings that cannot be read are reported to Lambda as an init error.
std::optional<Handler> init(RuntimeClient& client, const HandlerFactory& make_handler) {
  auto env = core::process_env();
  try {
    auto config = core::load_config(env);
    core::init_logging(config.log_format, config.log_level);
    return make_handler(env);
  } catch (const std::exception& error) {
    auto report = error_report(error);
    spdlog::critical("cannot start: {}: {}", report.type, report.message);
    client.post_init_error(report);
    return std::nullopt;
  }
}

}  // namespace

int run_bootstrap(const HandlerFactory& make_handler) {
  try {
    auto endpoint = core::process_env()("AWS_LAMBDA_RUNTIME_API");
    if (!endpoint) {
      std::fputs("AWS_LAMBDA_RUNTIME_API is not set: this program runs inside AWS Lambda\n",
                 stderr);
      return 1;
    }
    CurlGlobal curl;
    RuntimeClient client(*endpoint);
    auto handler = init(client, make_handler);
    if (!handler) return 1;
    return run_runtime_loop(client, *handler);
  } catch (const std::exception& error) {
    spdlog::critical("stopping: {}", error.what());
    return 1;
  }
}

}  // namespace cruddur::lambda
