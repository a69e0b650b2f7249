#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

#include "cruddur/cache/cache.hpp"

namespace cruddur::cache {

/// Bounds of the in-process cache. An entry costs its key size + value size + a fixed overhead.
struct MemoryCacheOptions {
  std::size_t max_bytes = 64 * 1024 * 1024;
  std::size_t max_entries = 100'000;
  /// Time source for TTLs (tests pass a manual clock); steady_clock::now when empty.
  std::function<std::chrono::steady_clock::time_point()> clock;
};

/// The in-process backend (`memory://`): least-recently-used eviction within the byte and entry
/// bounds, TTL checked on read. A value larger than the whole budget is not stored. Thread-safe
/// (one mutex); never suspends, never throws CacheError. Not shared between processes, so
/// invalidation only reaches this process.
class MemoryCache final : public Cache {
 public:
  /// Per-entry bookkeeping cost counted against max_bytes besides key and value.
  static constexpr std::size_t kEntryOverhead = 64;

  explicit MemoryCache(MemoryCacheOptions options = {});
  ~MemoryCache() override;

  asio::awaitable<std::optional<std::string>> get(std::string key) override;
  /// The stored value itself, not a copy.
  asio::awaitable<std::shared_ptr<const std::string>> get_shared(std::string key) override;
  asio::awaitable<void> set(std::string key, std::string value, std::chrono::seconds ttl) override;
  asio::awaitable<void> del(std::vector<std::string> keys) override;
  [[nodiscard]] std::string_view backend() const override { return "memory"; }
  [[nodiscard]] bool in_process() const noexcept override { return true; }

  /// Synchronous forms of the above (the awaitable ones call these).
  std::optional<std::string> get_now(const std::string& key);
  std::shared_ptr<const std::string> get_shared_now(const std::string& key);
  void set_now(const std::string& key, std::string value, std::chrono::seconds ttl);
  void del_now(const std::vector<std::string>& keys);
  /// Removes every entry.
  void clear_in_process() override;
  void remove_in_process(const std::vector<std::string>& keys) override { del_now(keys); }

  /// Live entries (expired ones not yet evicted included) and the bytes they are charged.
  [[nodiscard]] std::size_t entries() const;
  [[nodiscard]] std::size_t bytes() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cruddur::cache
