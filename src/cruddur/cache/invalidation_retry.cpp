// Failed invalidations retried in the background until they succeed or their TTL has passed.
#include "cruddur/cache/invalidation_retry.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/redirect_error.hpp>
#include <map>

namespace cruddur::cache {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kFirstDelay{100};
constexpr milliseconds kMaxDelay{2000};
constexpr std::size_t kBatch = 100;

}  // namespace

struct InvalidationRetry::Impl {
  Impl(asio::any_io_executor executor, Cache& target, std::chrono::seconds entry_ttl)
      : strand(asio::make_strand(executor)), cache(target), ttl(entry_ttl), timer(strand) {}

  // Everything below runs on `strand`.
  void add(std::vector<std::string> keys, Clock::time_point deadline) {
    if (closed) return;
    for (auto& key : keys) {
      auto& slot = pending[std::move(key)];
      slot = std::max(slot, deadline);
    }
    count = pending.size();
    if (!running) {
      running = true;
      asio::co_spawn(strand, work(self.lock()), [](const std::exception_ptr& error) {
        if (!error) return;
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          spdlog::error("cache: the invalidation retry stopped on an unexpected error: {}",
                        e.what());
        }
      });
    }
  }

  void drop_expired(Clock::time_point now) {
    std::uint64_t expired = 0;
    for (auto it = pending.begin(); it != pending.end();) {
      if (it->second <= now) {
        it = pending.erase(it);
        ++expired;
      } else {
        ++it;
      }
    }
    abandoned += expired;
    count = pending.size();
  }

  // `keep` holds the state while the loop runs.
  asio::awaitable<void> work([[maybe_unused]] std::shared_ptr<Impl> keep) {
    auto delay = kFirstDelay;
    while (!closed && !pending.empty()) {
      timer.expires_after(delay);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (closed) break;
      drop_expired(Clock::now());
      std::vector<std::string> batch;
      for (auto it = pending.begin(); it != pending.end() && batch.size() < kBatch; ++it) {
        batch.push_back(it->first);
      }
      if (batch.empty()) break;
      auto keys = batch;  // the delete consumes its own copy
      bool deleted = false;
      try {
        co_await cache.del(std::move(keys));
        deleted = true;
      } catch (const CacheError&) {
        // Counted and logged by SafeCache; try again later.
      }
      if (!deleted) {
        delay = std::min(delay * 2, kMaxDelay);
        continue;
      }
      delay = kFirstDelay;
      for (const auto& key : batch) pending.erase(key);
      retried += batch.size();
      count = pending.size();
    }
    running = false;
    if (closed) {
      pending.clear();
      count = 0;
    }
  }

  asio::strand<asio::any_io_executor> strand;
  Cache& cache;
  std::chrono::seconds ttl;
  asio::steady_timer timer;
  std::weak_ptr<Impl> self;
  std::map<std::string, Clock::time_point> pending;
  bool running = false;
  bool closed = false;
  std::atomic<std::size_t> count{0};
  std::atomic<std::uint64_t> retried{0};
  std::atomic<std::uint64_t> abandoned{0};
};

InvalidationRetry::InvalidationRetry(asio::any_io_executor executor, Cache& cache,
                                     std::chrono::seconds ttl)
    : impl_(std::make_shared<Impl>(std::move(executor), cache, ttl)) {
  impl_->self = impl_;
}

InvalidationRetry::~InvalidationRetry() {
  close();
}

void InvalidationRetry::add(std::vector<std::string> keys) {
  auto deadline = Clock::now() + impl_->ttl;
  asio::post(impl_->strand, [impl = impl_, keys = std::move(keys), deadline]() mutable {
    impl->add(std::move(keys), deadline);
  });
}

void InvalidationRetry::close() {
  asio::post(impl_->strand, [impl = impl_] {
    impl->closed = true;
    impl->timer.cancel();
    if (!impl->running) {
      impl->pending.clear();
      impl->count = 0;
    }
  });
}

RetryStats InvalidationRetry::stats() const {
  return {impl_->count.load(), impl_->retried.load(), impl_->abandoned.load()};
}

}  // namespace cruddur::cache
