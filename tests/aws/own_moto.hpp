#pragma once
// Test support: a private moto_server on a free loopback port that a test may configure (request
// authentication on), pause, kill and restart on the same port — never the shared one of
// CRUDDUR_TEST_MOTO_URL.

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace cruddur::test {

class OwnMoto {
 public:
  /// Starts `moto_server` with `env` added to its environment (e.g. INITIAL_NO_AUTH_ACTION_COUNT).
  explicit OwnMoto(std::map<std::string, std::string> env = {})
      : env_(std::move(env)), port_(free_port()) {
    start();
  }
  /// Starts moto answering one request at a time (scripts/moto-serialized.py, run by
  /// `python`): each request atomic, as DynamoDB's transactions are.
  struct Serialized {
    std::string python;
    std::string script;
  };
  explicit OwnMoto(Serialized serialized) : serialized_(std::move(serialized)), port_(free_port()) {
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
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      for (const auto& [name, value] : env_) setenv(name.c_str(), value.c_str(), 1);
      std::vector<char*> args;
      for (auto& arg : argv) args.push_back(arg.data());
      args.push_back(nullptr);
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, STDOUT_FILENO);  // one access-log line per request
      dup2(devnull, STDERR_FILENO);
      execvp(args[0], args.data());
      _exit(127);
    }
    wait_until_listening();
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
  static unsigned short free_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
  }

  void wait_until_listening() {
    boost::asio::io_context io;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error(
            "moto_server exited at start (is it installed? scripts/test "
            "checks it): status "
            + std::to_string(status));
      }
      boost::asio::ip::tcp::socket socket(io);
      boost::system::error_code ec;
      socket.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
      if (!ec) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("moto_server did not start on port " + std::to_string(port_));
  }

  std::map<std::string, std::string> env_;
  Serialized serialized_;
  unsigned short port_;
  pid_t pid_ = -1;
};

}  // namespace cruddur::test
