#pragma once
// Test support: start a server program as a child on a loopback port and wait until it listens
// (shared by the private redis-server and moto_server of the tests).

#include <fcntl.h>
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

/// A loopback port that was free a moment ago.
inline unsigned short free_loopback_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

/// Forks and execs `argv` (PATH searched) with `env` added, stdout (and with `quiet_stderr`
/// stderr too) to /dev/null. Returns the child's pid; throws when fork fails.
inline pid_t spawn_server(std::vector<std::string> argv,
                          const std::map<std::string, std::string>& env, bool quiet_stderr) {
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    for (const auto& [name, value] : env) setenv(name.c_str(), value.c_str(), 1);
    std::vector<char*> args;
    for (auto& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    int devnull = open("/dev/null", O_WRONLY);
    dup2(devnull, STDOUT_FILENO);
    if (quiet_stderr) dup2(devnull, STDERR_FILENO);
    execvp(args[0], args.data());
    _exit(127);
  }
  return pid;
}

/// Waits until 127.0.0.1:`port` accepts connections. Throws naming `what` when the child `pid`
/// exits first (its pid is then set to -1) or `timeout` passes.
inline void wait_until_listening(pid_t& pid, unsigned short port, std::chrono::seconds timeout,
                                 const std::string& what) {
  boost::asio::io_context io;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == pid) {
      pid = -1;
      throw std::runtime_error(what + " exited at start (status " + std::to_string(status) + ")");
    }
    boost::asio::ip::tcp::socket socket(io);
    boost::system::error_code ec;
    socket.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    if (!ec) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  throw std::runtime_error(what + " did not start on port " + std::to_string(port));
}

}  // namespace cruddur::test
