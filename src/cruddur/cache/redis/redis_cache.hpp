#pragma once
// The `redis://host:port/db` backend: a pipelined RESP2 client on one Asio connection.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cruddur/cache/cache.hpp"
#include "cruddur/cache/factory.hpp"
#include "resp.hpp"

namespace cruddur::cache {

struct RedisOptions {
  RedisEndpoint endpoint;
  /// Bound of each command, and of a connection attempt (connect + AUTH + SELECT).
  std::chrono::milliseconds operation_timeout{1000};
  /// Wait after a failed connection before the next attempt; doubles up to max_backoff.
  std::chrono::milliseconds initial_backoff{50};
  std::chrono::milliseconds max_backoff{2000};
};

/// One connection, opened lazily on the first command, that every caller shares: commands are
/// written as they come (pipelined) and replies matched in order. Thread-safe (all state on one
/// strand). When the connection drops, the commands waiting fail with cache_unavailable and the
/// next command after the backoff reconnects; during the backoff commands fail at once. A command
/// without a reply within operation_timeout fails with cache_timeout and the connection is
/// dropped (a server that stops answering is treated as down). Redis error replies are
/// cache_rejected; AUTH refusals cache_unauthorized.
class RedisCache final : public Cache {
 public:
  RedisCache(asio::any_io_executor executor, RedisOptions options);
  ~RedisCache() override;

  asio::awaitable<std::optional<std::string>> get(std::string key) override;
  asio::awaitable<void> set(std::string key, std::string value, std::chrono::seconds ttl) override;
  asio::awaitable<void> del(std::vector<std::string> keys) override;
  [[nodiscard]] std::string_view backend() const override { return "redis"; }
  /// Drops the connection; later commands fail with cache_unavailable.
  void close() override;

  /// Sends any command and returns its reply (an error reply is returned, not thrown).
  asio::awaitable<RespValue> command(std::vector<std::string> args);

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace cruddur::cache
