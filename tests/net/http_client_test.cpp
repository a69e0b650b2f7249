// The HTTP(S) client against real local servers: keep-alive reuse, stale-connection retry,
// timeouts, limits, TLS verification with a self-signed certificate made by the openssl CLI.
#include "cruddur/net/http_client.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <thread>

#include "cruddur/net/errors.hpp"
#include "scripted_server.hpp"
#include "subprocess.hpp"

namespace {

using cruddur::net::HttpClient;
using cruddur::net::HttpClientOptions;
using cruddur::net::HttpResult;
using cruddur::test::ScriptedRequest;
using cruddur::test::ScriptedResponse;
using cruddur::test::ScriptedServer;
namespace asio = boost::asio;
using namespace std::chrono_literals;

template <class T>
T run(asio::io_context& io, asio::awaitable<T> work) {
  auto future = asio::co_spawn(io, std::move(work), asio::use_future);
  io.restart();
  io.run();
  return future.get();
}

ScriptedResponse answer(unsigned status, std::string body) {
  ScriptedResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

ScriptedResponse echo(const ScriptedRequest& request) {
  ScriptedResponse response;
  response.body = request.method + " " + request.target + " " + request.body;
  response.headers.emplace_back("X-Seen-Host",
                                request.headers.count("host") ? request.headers.at("host") : "");
  return response;
}

std::string local_url(const ScriptedServer& server, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(server.port()) + path;
}

TEST(HttpClient, ReturnsStatusHeadersAndBody) {
  ScriptedServer server(echo);
  asio::io_context io;
  HttpClient client(io.get_executor());
  auto result = run(
      io, client.request("POST", local_url(server, "/a?b=c"), {{"X-Test", "1"}}, "payload", 10s));
  EXPECT_EQ(result.status, 200u);
  EXPECT_EQ(result.body, "POST /a?b=c payload");
  EXPECT_EQ(result.header("x-seen-host"), "127.0.0.1:" + std::to_string(server.port()));
}

TEST(HttpClient, ErrorStatusIsAResultNotAnException) {
  ScriptedServer server([](const ScriptedRequest&) { return answer(404, "nope"); });
  asio::io_context io;
  HttpClient client(io.get_executor());
  auto result = run(io, client.request("GET", local_url(server, "/"), {}, "", 10s));
  EXPECT_EQ(result.status, 404u);
  EXPECT_EQ(result.body, "nope");
}

TEST(HttpClient, KeepAliveReusesOneConnection) {
  ScriptedServer server(echo);
  asio::io_context io;
  HttpClient client(io.get_executor());
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(run(io, client.request("GET", local_url(server, "/"), {}, "", 10s)).status, 200u);
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST(HttpClient, ConnectionClosedByServerAfterResponseIsNotReused) {
  ScriptedServer server([](const ScriptedRequest&) {
    ScriptedResponse response;
    response.close = true;
    return response;
  });
  asio::io_context io;
  HttpClient client(io.get_executor());
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(run(io, client.request("GET", local_url(server, "/"), {}, "", 10s)).status, 200u);
  }
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClient, ParkedConnectionDroppedByServerIsRetriedOnAFreshOne) {
  ScriptedServer server(echo);
  asio::io_context io;
  HttpClient client(io.get_executor());
  EXPECT_EQ(run(io, client.request("GET", local_url(server, "/"), {}, "", 10s)).status, 200u);
  server.drop_connections();
  auto result = run(io, client.request("PUT", local_url(server, "/x"), {}, "v", 10s));
  EXPECT_EQ(result.status, 200u);
  EXPECT_EQ(result.body, "PUT /x v");
  EXPECT_EQ(server.connections(), 2);
}

TEST(HttpClient, SlowServerIsATimeoutError) {
  ScriptedServer server([](const ScriptedRequest&) {
    ScriptedResponse response;
    response.delay = 10s;
    return response;
  });
  asio::io_context io;
  HttpClient client(io.get_executor());
  EXPECT_THROW(run(io, client.request("GET", local_url(server, "/"), {}, "", 200ms)),
               cruddur::net::TimeoutError);
}

TEST(HttpClient, BodyAboveTheLimitIsAProtocolError) {
  ScriptedServer server([](const ScriptedRequest&) { return answer(200, std::string(4096, 'x')); });
  asio::io_context io;
  HttpClientOptions options;
  options.body_limit = 1024;
  HttpClient client(io.get_executor(), options);
  EXPECT_THROW(run(io, client.request("GET", local_url(server, "/"), {}, "", 10s)),
               cruddur::net::ProtocolError);
}

TEST(HttpClient, RefusedConnectionIsAConnectError) {
  asio::io_context io;
  std::uint16_t port = 0;
  {
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    port = acceptor.local_endpoint().port();
  }
  HttpClient client(io.get_executor());
  EXPECT_THROW(
      run(io, client.request("GET", "http://127.0.0.1:" + std::to_string(port) + "/", {}, "", 10s)),
      cruddur::net::ConnectError);
}

TEST(HttpClient, BadUrlIsInvalidUrl) {
  asio::io_context io;
  HttpClient client(io.get_executor());
  EXPECT_THROW(run(io, client.request("GET", "ftp://example.com/", {}, "", 10s)),
               cruddur::net::InvalidUrl);
}

TEST(HttpClient, ConcurrentRequestsFromSeveralThreadsAllComplete) {
  ScriptedServer server(echo);
  asio::io_context io;
  HttpClient client(io.get_executor());
  std::atomic<int> ok{0};
  for (int i = 0; i < 40; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> asio::awaitable<void> {
          auto result = co_await client.request("GET", local_url(server, "/" + std::to_string(i)),
                                                {}, "", 10s);
          if (result.status == 200 && result.body == "GET /" + std::to_string(i) + " ") ++ok;
        },
        asio::detached);
  }
  std::thread other([&] { io.run(); });
  io.run();
  other.join();
  EXPECT_EQ(ok.load(), 40);
  EXPECT_LE(server.connections(), 40);
}

// A self-signed certificate for `localhost`, made by the openssl CLI in a fresh directory.
class HttpsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/cruddur-net-tls-XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    files_ = cruddur::test::make_self_signed_certificate(dir_, "localhost");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  cruddur::test::TlsFiles files_;
};

TEST_F(HttpsTest, TrustedSelfSignedCertificateWorksAndConnectionsAreReused) {
  ScriptedServer server(echo, files_);
  asio::io_context io;
  HttpClientOptions options;
  options.extra_ca_file = files_.certificate;
  HttpClient client(io.get_executor(), options);
  auto url = "https://localhost:" + std::to_string(server.port()) + "/secure";
  for (int i = 0; i < 2; ++i) {
    auto result = run(io, client.request("GET", url, {}, "", 10s));
    EXPECT_EQ(result.status, 200u);
    EXPECT_EQ(result.body, "GET /secure ");
  }
  EXPECT_EQ(server.connections(), 1);
}

TEST_F(HttpsTest, UntrustedCertificateIsATlsError) {
  ScriptedServer server(echo, files_);
  asio::io_context io;
  HttpClient client(io.get_executor());
  EXPECT_THROW(
      run(io, client.request("GET", "https://localhost:" + std::to_string(server.port()) + "/", {},
                             "", 10s)),
      cruddur::net::TlsError);
}

TEST_F(HttpsTest, HostNameMismatchIsATlsError) {
  ScriptedServer server(echo, files_);
  asio::io_context io;
  HttpClientOptions options;
  options.extra_ca_file = files_.certificate;
  HttpClient client(io.get_executor(), options);
  EXPECT_THROW(
      run(io, client.request("GET", "https://127.0.0.1:" + std::to_string(server.port()) + "/", {},
                             "", 10s)),
      cruddur::net::TlsError);
}

}  // namespace
