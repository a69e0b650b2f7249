#pragma once
// Test support: a real HTTP/1.1 server (optionally TLS) on a loopback port whose answers a test
// scripts with a handler. It runs on its own thread; the handler is called there.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace cruddur::test {

struct ScriptedRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  ///< names in lower case
  std::string body;
};

struct ScriptedResponse {
  unsigned status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds delay{0};  ///< waited before answering
  bool close = false;                  ///< close the connection after this response
};

/// PEM files for a TLS listener.
struct TlsFiles {
  std::string certificate;
  std::string private_key;
};

/// Makes a self-signed certificate for `host` (a DNS name) in `dir` with the openssl CLI.
/// Throws std::runtime_error when openssl fails.
TlsFiles make_self_signed_certificate(const std::string& dir, const std::string& host);

class ScriptedServer {
 public:
  using Handler = std::function<ScriptedResponse(const ScriptedRequest&)>;

  explicit ScriptedServer(Handler handler, std::optional<TlsFiles> tls = std::nullopt);
  ~ScriptedServer();
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  [[nodiscard]] std::uint16_t port() const;
  /// Connections accepted so far.
  [[nodiscard]] int connections() const;
  /// Closes every open connection (as a server does with idle keep-alive connections) and waits
  /// until that is done.
  void drop_connections();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace cruddur::test
