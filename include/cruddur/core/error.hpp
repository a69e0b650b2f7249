#pragma once

#include <stdexcept>
#include <string>

namespace cruddur {

/// Root of every exception that crosses a layer boundary. `code()` is a stable, machine-readable
/// identifier (`snake_case`) that callers switch on and the HTTP layer maps to a status; `what()`
/// is a human sentence that never contains a secret.
class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}

  [[nodiscard]] const std::string& code() const noexcept { return code_; }

 private:
  std::string code_;
};

}  // namespace cruddur
