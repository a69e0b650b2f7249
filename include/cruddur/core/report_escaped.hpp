#pragma once

#include <exception>
#include <string>
#include <string_view>

namespace cruddur::core {

/// The completion handler of a `co_spawn`ed task that nobody awaits: an exception that escaped the
/// task is logged (error level, naming the task and the exception's message) instead of vanishing
/// as with `asio::detached`. Use it for every such task: `asio::co_spawn(executor, task(),
/// core::ReportEscaped{"http session"})`. `task` must outlive the task (a string literal).
struct ReportEscaped {
  std::string_view task;
  void operator()(const std::exception_ptr& escaped) const noexcept;
};

/// The message of `error` (`what()`, or a placeholder for a non-standard exception); empty for
/// a null pointer.
std::string describe_exception(const std::exception_ptr& error);

}  // namespace cruddur::core
