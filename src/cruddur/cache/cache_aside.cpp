// Read-aside caching with per-key single-flight: one loader per key and process, the other
// callers wait on the flight's strand for its result.
#include "cruddur/cache/cache_aside.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>

#include "cruddur/core/scope_exit.hpp"

namespace cruddur::cache {

using Strand = asio::strand<asio::any_io_executor>;

// One load in progress. Its fields after construction are touched on `strand` only.
struct CacheAside::Flight {
  explicit Flight(const asio::any_io_executor& executor)
      : strand(asio::make_strand(executor)), done_signal(strand) {
    done_signal.expires_at(asio::steady_timer::time_point::max());
  }
  Strand strand;
  asio::steady_timer done_signal;  // cancelled when the load finished
  bool done = false;
  Value value;
  std::exception_ptr error;
};

CacheAside::CacheAside(Cache& cache) : cache_(cache) {}

CacheAside::~CacheAside() = default;

std::size_t CacheAside::loads_in_flight() const {
  std::lock_guard lock(mutex_);
  return flights_.size();
}

asio::awaitable<CacheAside::Value> CacheAside::get_or_load(std::string key,
                                                           std::chrono::seconds ttl,
                                                           Loader loader) {
  if (auto hit = co_await cache_.get_shared(key)) co_return hit;
  auto executor = co_await asio::this_coro::executor;
  std::shared_ptr<Flight> flight;
  bool leader = false;
  {
    std::lock_guard lock(mutex_);
    auto& slot = flights_[key];
    if (!slot) {
      slot = std::make_shared<Flight>(executor);
      leader = true;
    }
    flight = slot;
  }
  if (leader) co_return co_await lead(std::move(key), ttl, std::move(loader), std::move(flight));
  co_return co_await asio::co_spawn(flight->strand, await_flight(flight), asio::use_awaitable);
}

asio::awaitable<CacheAside::Value> CacheAside::lead(std::string key, std::chrono::seconds ttl,
                                                    Loader loader, std::shared_ptr<Flight> flight) {
  // However the load ends, an exception from the cache's set included, the flight leaves the map:
  // a finished flight left there would hand its value to every later caller of the key forever.
  core::ScopeExit land{[this, &key, &flight] { leave(key, flight); }};
  auto epoch = epoch_.load();
  Value value;
  std::exception_ptr error;
  try {
    auto loaded = co_await loader();
    value = std::make_shared<const std::string>(std::move(loaded));
  } catch (...) {
    error = std::current_exception();
  }
  complete(flight, value, error);
  if (!error && epoch_.load() == epoch) {
    co_await cache_.set(key, *value, ttl);
    // An invalidation that ran while the set was on its way may have been overtaken by it.
    if (epoch_.load() != epoch) co_await delete_quietly(key);
  }
  if (error) std::rethrow_exception(error);
  co_return value;
}

void CacheAside::leave(const std::string& key, const std::shared_ptr<Flight>& flight) noexcept {
  std::lock_guard lock(mutex_);
  if (auto found = flights_.find(key); found != flights_.end() && found->second == flight) {
    flights_.erase(found);
  }
}

void CacheAside::forget(const std::vector<std::string>& keys) {
  ++epoch_;
  {
    std::lock_guard lock(mutex_);
    for (const auto& key : keys) flights_.erase(key);
  }
  cache_.remove_in_process(keys);
}

asio::awaitable<void> CacheAside::invalidate(std::vector<std::string> keys) {
  forget(keys);
  co_await cache_.del(std::move(keys));
}

void CacheAside::invalidate_all() {
  ++epoch_;
  {
    std::lock_guard lock(mutex_);
    flights_.clear();
  }
  cache_.clear_in_process();
}

void CacheAside::complete(const std::shared_ptr<Flight>& flight, Value value,
                          std::exception_ptr error) {
  asio::post(flight->strand, [flight, value = std::move(value), error = std::move(error)] {
    flight->value = value;
    flight->error = error;
    flight->done = true;
    flight->done_signal.cancel();
  });
}

asio::awaitable<void> CacheAside::delete_quietly(std::string key) {
  try {
    std::vector<std::string> keys;  // not a braced list: g++ 12 miscompiles those in coroutines
    keys.push_back(std::move(key));
    co_await cache_.del(std::move(keys));
  } catch (const CacheError&) {
    // A read must not fail for this; the entry expires with its TTL (SafeCache counted it).
  }
}

asio::awaitable<CacheAside::Value> CacheAside::await_flight(std::shared_ptr<Flight> flight) {
  if (!flight->done) {
    boost::system::error_code ec;
    co_await flight->done_signal.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  if (flight->error) std::rethrow_exception(flight->error);
  co_return flight->value;
}

}  // namespace cruddur::cache
