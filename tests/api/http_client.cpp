// Test support: blocking HTTP over Beast for normal requests, POSIX sockets for raw ones.
#include "http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cerrno>
#include <system_error>

namespace cruddur::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

constexpr int kReadTimeoutSeconds = 60;

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

}  // namespace

std::string HttpReply::header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (::strcasecmp(key.c_str(), name.c_str()) == 0) return value;
  }
  return {};
}

bool HttpReply::has_header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (::strcasecmp(key.c_str(), name.c_str()) == 0) return true;
  }
  return false;
}

HttpReply HttpClient::request(const std::string& method, const std::string& target,
                              const std::vector<std::pair<std::string, std::string>>& headers,
                              const std::string& body) const {
  asio::io_context io;
  tcp::socket socket(io);
  socket.connect({asio::ip::make_address("127.0.0.1"), port_});
  timeval timeout{kReadTimeoutSeconds, 0};
  ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);

  bhttp::request<bhttp::string_body> request;
  request.method_string(method);
  request.target(target);
  request.version(11);
  request.set(bhttp::field::host, "127.0.0.1:" + std::to_string(port_));
  request.set(bhttp::field::connection, "close");
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty()) {
    if (request[bhttp::field::content_type].empty()) {
      request.set(bhttp::field::content_type, "application/json");
    }
    request.body() = body;
  }
  request.prepare_payload();
  beast::error_code write_error;
  bhttp::write(socket, request, write_error);
  // A server may answer (413, 431) and stop reading before the whole request is sent: the write
  // then fails, but the answer is there to read.
  if (write_error && write_error != asio::error::broken_pipe
      && write_error != asio::error::connection_reset) {
    throw beast::system_error(write_error);
  }

  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  parser.skip(method == "HEAD");
  bhttp::read(socket, buffer, parser);
  auto response = parser.release();
  HttpReply reply;
  reply.status = response.result_int();
  for (const auto& field : response) {
    reply.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  reply.body = std::move(response.body());
  return reply;
}

HttpReply HttpClient::get(const std::string& target, const std::string& authorization) const {
  if (authorization.empty()) return request("GET", target);
  return request("GET", target, {{"Authorization", authorization}});
}

HttpReply HttpClient::post(const std::string& target, const std::string& body,
                           const std::string& authorization) const {
  if (authorization.empty()) return request("POST", target, {}, body);
  return request("POST", target, {{"Authorization", authorization}}, body);
}

RawConnection::RawConnection(std::uint16_t port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
  auto address = loopback(port);
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    int error = errno;
    ::close(fd_);
    throw std::system_error(error, std::generic_category(), "connect");
  }
}

RawConnection::~RawConnection() {
  ::close(fd_);
}

bool RawConnection::send(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

RawConnection::Received RawConnection::read_until_closed(std::chrono::seconds timeout) {
  Received received;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return received;
    pollfd poll_fd{fd_, POLLIN, 0};
    if (::poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) continue;
    char buffer[4096];
    auto n = ::recv(fd_, buffer, sizeof buffer, 0);
    if (n <= 0) {
      received.closed = true;
      return received;
    }
    received.bytes.append(buffer, static_cast<std::size_t>(n));
  }
}

std::string RawConnection::read_some(std::size_t limit, std::chrono::seconds timeout) {
  pollfd poll_fd{fd_, POLLIN, 0};
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(timeout);
  if (::poll(&poll_fd, 1, static_cast<int>(wait.count())) <= 0) return {};
  std::string bytes(limit, '\0');
  auto n = ::recv(fd_, bytes.data(), limit, 0);
  bytes.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return bytes;
}

bool connection_refused(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto address = loopback(port);
  bool refused = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0
                 && errno == ECONNREFUSED;
  ::close(fd);
  return refused;
}

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto address = loopback(0);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0
      || ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    int error = errno;
    ::close(fd);
    throw std::system_error(error, std::generic_category(), "bind to a free port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace cruddur::test
