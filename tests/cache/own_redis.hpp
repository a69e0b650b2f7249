#pragma once
// Test support: a private redis-server on a free loopback port that a test may kill and restart
// (never the shared one from CRUDDUR_TEST_REDIS_URL).

#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <string>
#include <vector>

#include "own_server.hpp"

namespace cruddur::test {

class OwnRedis {
 public:
  explicit OwnRedis(std::string password)
      : password_(std::move(password)), port_(free_loopback_port()) {
    start();
  }
  ~OwnRedis() { kill(); }
  OwnRedis(const OwnRedis&) = delete;
  OwnRedis& operator=(const OwnRedis&) = delete;

  [[nodiscard]] unsigned short port() const { return port_; }

  /// Starts redis-server on the same port and waits until it accepts connections.
  void start() {
    std::vector<std::string> argv = {
        "redis-server", "--port", std::to_string(port_), "--bind",  "127.0.0.1",  "--save", "",
        "--appendonly", "no",     "--requirepass",       password_, "--loglevel", "warning"};
    pid_ = spawn_server(argv, {}, false);  // stdout (its start-up banner) to /dev/null
    wait_until_listening(pid_, port_, std::chrono::seconds(5), "redis-server");
  }

  /// SIGSTOP: the server keeps its connections but answers nothing (a hung cache).
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
  std::string password_;
  unsigned short port_;
  pid_t pid_ = -1;
};

}  // namespace cruddur::test
