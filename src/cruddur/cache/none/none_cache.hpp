#pragma once
// The `none://` backend: every get misses, set and del do nothing.

#include "cruddur/cache/cache.hpp"

namespace cruddur::cache {

class NoneCache final : public Cache {
 public:
  asio::awaitable<std::optional<std::string>> get(std::string key) override;
  asio::awaitable<void> set(std::string key, std::string value, std::chrono::seconds ttl) override;
  asio::awaitable<void> del(std::vector<std::string> keys) override;
  [[nodiscard]] std::string_view backend() const override { return "none"; }
  [[nodiscard]] bool in_process() const noexcept override { return true; }
  [[nodiscard]] bool stores_values() const noexcept override { return false; }
};

}  // namespace cruddur::cache
