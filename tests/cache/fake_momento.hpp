#pragma once
// fake_momento: an in-test FAKE of Momento's HTTP cache API (no emulator exists), following the
// documented contract: `GET|PUT|DELETE /cache/<cache>?key=<key>`, `ttl_seconds` required on PUT,
// the raw token in `Authorization`; 200 hit, 404 miss, 204 on PUT and DELETE; 400 on a bad
// request, 401 on a wrong token. A test can force a status (429, 5xx …) or a delay.

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "scripted_server.hpp"

namespace cruddur::test {

class FakeMomento {
 public:
  /// Plain HTTP on 127.0.0.1, or HTTPS for `localhost` with `tls`.
  explicit FakeMomento(std::string token, std::optional<TlsFiles> tls = std::nullopt)
      : token_(std::move(token)),
        tls_(tls.has_value()),
        server_([this](const ScriptedRequest& r) { return handle(r); }, std::move(tls)) {}

  [[nodiscard]] std::string base_url() const {
    return (tls_ ? "https://localhost:" : "http://127.0.0.1:") + std::to_string(server_.port());
  }

  /// Answer every request with this status (nullopt: behave normally).
  void force_status(std::optional<unsigned> status) {
    std::lock_guard lock(mutex_);
    forced_status_ = status;
  }
  void delay(std::chrono::milliseconds delay) {
    std::lock_guard lock(mutex_);
    delay_ = delay;
  }
  /// The ttl_seconds of the last PUT of `key` in `cache`.
  std::optional<long> ttl_of(const std::string& cache, const std::string& key) {
    std::lock_guard lock(mutex_);
    auto found = ttls_.find(cache + "/" + key);
    return found == ttls_.end() ? std::nullopt : std::optional<long>(found->second);
  }
  std::optional<std::string> stored(const std::string& cache, const std::string& key) {
    std::lock_guard lock(mutex_);
    auto found = items_.find(cache + "/" + key);
    return found == items_.end() ? std::nullopt : std::optional<std::string>(found->second);
  }
  int requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  static std::string decode(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '%' && i + 2 < text.size()) {
        out.push_back(static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16)));
        i += 2;
      } else {
        out.push_back(text[i] == '+' ? ' ' : text[i]);
      }
    }
    return out;
  }

  static std::map<std::string, std::string> query(const std::string& text) {
    std::map<std::string, std::string> out;
    std::size_t start = 0;
    while (start < text.size()) {
      auto end = text.find('&', start);
      if (end == std::string::npos) end = text.size();
      auto pair = text.substr(start, end - start);
      auto eq = pair.find('=');
      out[decode(pair.substr(0, eq))] = eq == std::string::npos ? "" : decode(pair.substr(eq + 1));
      start = end + 1;
    }
    return out;
  }

  static ScriptedResponse status(unsigned code, std::string body = {}) {
    ScriptedResponse response;
    response.status = code;
    response.body = std::move(body);
    return response;
  }

  ScriptedResponse handle(const ScriptedRequest& request) {
    std::lock_guard lock(mutex_);
    ++requests_;
    auto response = answer(request);
    response.delay = delay_;
    return response;
  }

  ScriptedResponse answer(const ScriptedRequest& request) {
    if (forced_status_) return status(*forced_status_, "forced by the test");
    auto auth = request.headers.find("authorization");
    if (auth == request.headers.end() || auth->second != token_) return status(401, "bad token");
    constexpr std::string_view kPrefix = "/cache/";
    auto question = request.target.find('?');
    auto path = request.target.substr(0, question);
    if (path.rfind(kPrefix, 0) != 0 || question == std::string::npos)
      return status(400, "bad path");
    auto params = query(request.target.substr(question + 1));
    if (!params.count("key") || params["key"].empty()) return status(400, "key required");
    auto item = decode(path.substr(kPrefix.size())) + "/" + params["key"];
    if (request.method == "GET") {
      auto found = items_.find(item);
      return found == items_.end() ? status(404) : status(200, found->second);
    }
    if (request.method == "PUT") {
      if (!params.count("ttl_seconds")) return status(400, "ttl_seconds required");
      auto ttl = std::stol(params["ttl_seconds"]);
      if (ttl <= 0 || ttl > 24 * 3600) return status(400, "ttl_seconds out of range");
      items_[item] = request.body;
      ttls_[item] = ttl;
      return status(204);
    }
    if (request.method == "DELETE") {
      items_.erase(item);
      return status(204);
    }
    return status(405);
  }

  std::string token_;
  bool tls_;
  std::mutex mutex_;
  std::map<std::string, std::string> items_;
  std::map<std::string, long> ttls_;
  std::optional<unsigned> forced_status_;
  std::chrono::milliseconds delay_{0};
  int requests_ = 0;
  ScriptedServer server_;  // last: stops (joins its thread) before the state above goes
};

}  // namespace cruddur::test
