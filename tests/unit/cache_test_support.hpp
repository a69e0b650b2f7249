#pragma once
// Unit-test helpers for the cache layer: run a coroutine to completion on an io_context, and a
// backend whose behaviour a test scripts (answer, fail, or hang).

#include <boost/asio/use_future.hpp>
#include <future>

#include "cruddur/cache/cache.hpp"
#include "cruddur/cache/memory_cache.hpp"

namespace cruddur::test {

/// Runs `work` on `io` (one thread: this one) until it finishes; other work left pending (a hung
/// backend call) stays in `io` and is destroyed with it.
template <class T>
T run(asio::io_context& io, asio::awaitable<T> work) {
  auto future = asio::co_spawn(io, std::move(work), asio::use_future);
  io.restart();
  while (future.wait_for(std::chrono::seconds(0)) != std::future_status::ready) io.run_one();
  return future.get();
}

class ScriptedBackend final : public cache::Cache {
 public:
  enum class Mode { answer, fail, hang };
  Mode mode = Mode::answer;
  cache::MemoryCache store;
  int calls = 0;

  asio::awaitable<std::optional<std::string>> get(std::string key) override {
    co_await behave();
    co_return store.get_now(key);
  }
  asio::awaitable<void> set(std::string key, std::string value, std::chrono::seconds ttl) override {
    co_await behave();
    store.set_now(key, std::move(value), ttl);
  }
  asio::awaitable<void> del(std::vector<std::string> keys) override {
    co_await behave();
    store.del_now(keys);
  }
  [[nodiscard]] std::string_view backend() const override { return "scripted"; }

 private:
  asio::awaitable<void> behave() {
    ++calls;
    if (mode == Mode::fail) throw cache::CacheError("cache_unavailable", "scripted failure");
    if (mode == Mode::hang) {
      asio::steady_timer forever(co_await asio::this_coro::executor, std::chrono::hours(1));
      co_await forever.async_wait(asio::use_awaitable);
    }
  }
};

}  // namespace cruddur::test
