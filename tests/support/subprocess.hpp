#pragma once
// Test support: run a program to completion, capturing its output and exit status.

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace cruddur::test {

struct ProcessResult {
  int exit_code = -1;  ///< the exit status, or 128 + signal
  std::string out;
  std::string err;
};

/// Runs `argv` with the current environment plus `env` (an empty value unsets the variable).
/// Kills it and fails the result (exit_code -1) after `timeout`.
ProcessResult run_process(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {},
                          std::chrono::seconds timeout = std::chrono::seconds(120));

/// The value of a variable `scripts/test` exports; throws naming it when it is missing.
std::string required_env(const char* name);

}  // namespace cruddur::test
