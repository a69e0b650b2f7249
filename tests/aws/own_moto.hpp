#pragma once
// Test support: a private moto_server on a free loopback port that a test may configure (request
// authentication on), pause, kill and restart on the same port — never the shared one of
// CRUDDUR_TEST_MOTO_URL.

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "own_server.hpp"

namespace cruddur::test {

class OwnMoto {
 public:
  /// Starts `moto_server` with `env` added to its environment (e.g. INITIAL_NO_AUTH_ACTION_COUNT).
  explicit OwnMoto(std::map<std::string, std::string> env = {})
      : env_(std::move(env)), port_(free_loopback_port()) {
    start();
  }
  /// Starts moto answering one request at a time (scripts/moto-serialized.py, run by
  /// `python`): each request atomic, as DynamoDB's transactions are.
  struct Serialized {
    std::string python;
    std::string script;
  };
  explicit OwnMoto(Serialized serialized)
      : serialized_(std::move(serialized)), port_(free_loopback_port()) {
    start();
  }
  ~OwnMoto() { kill(); }
  OwnMoto(const OwnMoto&) = delete;
  OwnMoto& operator=(const OwnMoto&) = delete;

  [[nodiscard]] unsigned short port() const { return port_; }
  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  /// Starts it (again) on the same port — empty, as moto keeps nothing — and waits until it
  /// accepts connections (60 s at most: a loaded machine imports moto slowly).
  void start() {
    std::vector<std::string> argv = {"moto_server", "-H", "127.0.0.1", "-p", std::to_string(port_)};
    if (!serialized_.script.empty()) {
      argv = {serialized_.python, serialized_.script, std::to_string(port_)};
    }
    pid_ = spawn_server(argv, env_, true);  // moto logs every request
    wait_until_listening(pid_, port_, std::chrono::seconds(60), "moto_server");
  }

  /// SIGSTOP: connections are accepted by the kernel but nothing answers (a hung service).
  void pause() const { ::kill(pid_, SIGSTOP); }
  void resume() const { ::kill(pid_, SIGCONT); }

  /// SIGKILL, as a crash would.
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGCONT);
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  std::map<std::string, std::string> env_;
  Serialized serialized_;
  unsigned short port_;
  pid_t pid_ = -1;
};

}  // namespace cruddur::test
