#pragma once

#include <string>
#include <vector>

#include "cruddur/core/error.hpp"

namespace cruddur::service {

/// Input that breaks a business rule. Code `validation_failed`; `codes()` lists every failing
/// rule (`message_blank`, `ttl_blank`, …) as the original's 422 array did.
class ValidationError : public cruddur::Error {
 public:
  explicit ValidationError(std::vector<std::string> codes)
      : Error("validation_failed", "invalid input"), codes_(std::move(codes)) {}
  [[nodiscard]] const std::vector<std::string>& codes() const noexcept { return codes_; }

 private:
  std::vector<std::string> codes_;
};

/// The thing asked for does not exist (unknown handle, activity, user). Code `not_found`.
class NotFound : public cruddur::Error {
 public:
  explicit NotFound(const std::string& message) : Error("not_found", message) {}
};

}  // namespace cruddur::service
