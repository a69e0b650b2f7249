#pragma once
// Test support: a long-running child process (the real `cruddur serve`) whose stdout and stderr
// go to a log file, signalled and reaped by the test.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cruddur::test {

/// A child process started with the current environment plus `env` (an empty value unsets the
/// variable), stdin from /dev/null, stdout and stderr appended to `log`. The destructor kills
/// (SIGKILL) and reaps it when it is still running. Not thread-safe.
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
               std::filesystem::path log);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  [[nodiscard]] pid_t pid() const noexcept { return pid_; }
  /// Sends `signal` unless the process has been reaped.
  void signal(int signal);
  /// The exit status (or 128 + signal) once the process ended within `timeout`; nullopt when it
  /// is still running.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  /// True while the process has not ended.
  bool running();
  /// Everything it has written so far.
  [[nodiscard]] std::string log() const;
  [[nodiscard]] const std::filesystem::path& log_path() const noexcept { return log_; }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::filesystem::path log_;
};

}  // namespace cruddur::test
