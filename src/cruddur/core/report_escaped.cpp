// Logs what escaped a co_spawned task instead of dropping it as asio::detached does.
#include "cruddur/core/report_escaped.hpp"

#include <spdlog/spdlog.h>

namespace cruddur::core {

std::string describe_exception(const std::exception_ptr& error) {
  if (!error) return {};
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception not derived from std::exception";
  }
}

void ReportEscaped::operator()(const std::exception_ptr& escaped) const noexcept {
  if (!escaped) return;
  try {
    spdlog::error("{} ended with an exception: {}", task, describe_exception(escaped));
  } catch (...) {  // logging failed (no memory): nothing better to do
  }
}

}  // namespace cruddur::core
