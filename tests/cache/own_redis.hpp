#pragma once
// Test support: a private redis-server on a free loopback port that a test may kill and restart
// (never the shared one from CRUDDUR_TEST_REDIS_URL).

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace cruddur::test {

class OwnRedis {
 public:
  explicit OwnRedis(std::string password) : password_(std::move(password)), port_(free_port()) {
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
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      std::vector<char*> args;
      for (auto& arg : argv) args.push_back(arg.data());
      args.push_back(nullptr);
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, STDOUT_FILENO);  // its start-up banner and warnings
      execvp(args[0], args.data());
      _exit(127);
    }
    wait_until_listening();
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
  static unsigned short free_port() {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();
  }

  void wait_until_listening() const {
    boost::asio::io_context io;
    for (int attempt = 0; attempt < 200; ++attempt) {
      boost::asio::ip::tcp::socket socket(io);
      boost::system::error_code ec;
      socket.connect({boost::asio::ip::make_address("127.0.0.1"), port_}, ec);
      if (!ec) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    throw std::runtime_error("redis-server did not start on port " + std::to_string(port_));
  }

  std::string password_;
  unsigned short port_;
  pid_t pid_ = -1;
};

}  // namespace cruddur::test
