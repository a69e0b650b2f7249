// The "cache only ever helps" decorator: every backend call raced against a budget on a strand;
// errors and timeouts become misses (get/set) or a typed invalidation failure (del).
#include "cruddur/cache/safe_cache.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>

#include "cruddur/core/report_escaped.hpp"

namespace cruddur::cache {
namespace {

using Strand = asio::strand<asio::any_io_executor>;
using Clock = std::chrono::steady_clock;

// How a budgeted call ended.
template <class T>
struct Outcome {
  std::optional<T> value;
  std::exception_ptr error;  // set when the backend threw
  bool timed_out = false;
};

template <class T>
struct Race {
  explicit Race(const Strand& strand) : timer(strand) {}
  asio::steady_timer timer;
  Outcome<T> outcome;
  bool finished = false;
};

// Runs `operation` on the race's strand and reports its end by cancelling the race's timer.
// `backend` keeps the backend alive while an abandoned operation finishes. (Awaitables and free
// coroutines only: g++ 12 corrupts lambda init-captures around coroutines.)
template <class T>
asio::awaitable<void> run_operation(std::shared_ptr<Race<T>> race,
                                    [[maybe_unused]] std::shared_ptr<Cache> backend,
                                    asio::awaitable<T> operation) {
  try {
    race->outcome.value = co_await std::move(operation);
  } catch (...) {
    race->outcome.error = std::current_exception();
  }
  race->finished = true;
  race->timer.cancel();
}

// Runs on `strand`: starts `operation` there and waits for it or the budget, whichever first.
template <class T>
asio::awaitable<Outcome<T>> race_on(Strand strand, std::shared_ptr<Cache> backend,
                                    asio::awaitable<T> operation,
                                    std::chrono::milliseconds budget) {
  auto race = std::make_shared<Race<T>>(strand);
  race->timer.expires_after(budget);
  asio::co_spawn(strand, run_operation<T>(race, std::move(backend), std::move(operation)),
                 core::ReportEscaped{"cache operation"});
  boost::system::error_code ec;
  co_await race->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (!race->finished) {
    Outcome<T> late;
    late.timed_out = true;
    co_return late;
  }
  co_return std::move(race->outcome);
}

template <class T>
asio::awaitable<Outcome<T>> with_budget(std::shared_ptr<Cache> backend,
                                        asio::awaitable<T> operation,
                                        std::chrono::milliseconds budget) {
  auto strand = asio::make_strand(co_await asio::this_coro::executor);
  co_return co_await asio::co_spawn(
      strand, race_on<T>(strand, std::move(backend), std::move(operation), budget),
      asio::use_awaitable);
}

std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const Error& e) {
    return e.code() + ": " + e.what();
  } catch (const std::exception& e) {
    return e.what();
  }
}

asio::awaitable<bool> confirm_set(std::shared_ptr<Cache> backend, std::string key,
                                  std::string value, std::chrono::seconds ttl) {
  co_await backend->set(std::move(key), std::move(value), ttl);
  co_return true;
}

asio::awaitable<bool> confirm_del(std::shared_ptr<Cache> backend, std::vector<std::string> keys) {
  co_await backend->del(std::move(keys));
  co_return true;
}

}  // namespace

struct SafeCache::Counters {
  std::atomic<std::uint64_t> hits{0}, misses{0}, errors{0}, timeouts{0}, sets{0}, set_failures{0},
      invalidations{0}, invalidation_failures{0};
  std::atomic<std::int64_t> last_log_ns{0};
  std::atomic<std::uint64_t> suppressed{0};

  // One line per second at most; the number of lines held back is reported with the next one.
  void log(std::string_view backend, std::string_view operation, const std::string& cause) {
    auto now = Clock::now().time_since_epoch().count();
    auto last = last_log_ns.load();
    constexpr std::int64_t kInterval = std::chrono::nanoseconds(std::chrono::seconds(1)).count();
    if ((last != 0 && now - last < kInterval) || !last_log_ns.compare_exchange_strong(last, now)) {
      ++suppressed;
      return;
    }
    spdlog::warn("cache {} {} failed, treated as a miss: {} ({} similar lines suppressed)", backend,
                 operation, cause, suppressed.exchange(0));
  }

  template <class T>
  bool record_failure(const Outcome<T>& outcome, std::string_view backend,
                      std::string_view operation) {
    if (outcome.timed_out) {
      ++timeouts;
      log(backend, operation, "slower than its budget");
      return true;
    }
    if (outcome.error) {
      ++errors;
      log(backend, operation, describe(outcome.error));
      return true;
    }
    return false;
  }
};

SafeCache::SafeCache(std::shared_ptr<Cache> backend, SafeCacheOptions options)
    : backend_(std::move(backend)), options_(options), counters_(std::make_unique<Counters>()) {}

SafeCache::~SafeCache() = default;

std::string_view SafeCache::backend() const {
  return backend_->backend();
}

asio::awaitable<std::optional<std::string>> SafeCache::get(std::string key) {
  if (backend_->in_process()) {
    auto value = co_await backend_->get(std::move(key));
    ++(value ? counters_->hits : counters_->misses);
    co_return value;
  }
  auto outcome = co_await with_budget<std::optional<std::string>>(
      backend_, backend_->get(std::move(key)), options_.budget);
  if (counters_->record_failure(outcome, backend(), "get")) co_return std::nullopt;
  auto& value = *outcome.value;
  ++(value ? counters_->hits : counters_->misses);
  co_return std::move(value);
}

asio::awaitable<std::shared_ptr<const std::string>> SafeCache::get_shared(std::string key) {
  if (!backend_->in_process()) co_return co_await Cache::get_shared(std::move(key));
  auto value = co_await backend_->get_shared(std::move(key));
  ++(value ? counters_->hits : counters_->misses);
  co_return value;
}

asio::awaitable<void> SafeCache::set(std::string key, std::string value, std::chrono::seconds ttl) {
  if (backend_->in_process()) {
    ++counters_->sets;
    co_await backend_->set(std::move(key), std::move(value), ttl);
    co_return;
  }
  auto outcome = co_await with_budget<bool>(
      backend_, confirm_set(backend_, std::move(key), std::move(value), ttl), options_.budget);
  ++counters_->sets;
  if (counters_->record_failure(outcome, backend(), "set")) ++counters_->set_failures;
}

asio::awaitable<void> SafeCache::del(std::vector<std::string> keys) {
  if (backend_->in_process()) {
    ++counters_->invalidations;
    co_await backend_->del(std::move(keys));
    co_return;
  }
  auto outcome = co_await with_budget<bool>(backend_, confirm_del(backend_, std::move(keys)),
                                            options_.invalidation_budget);
  ++counters_->invalidations;
  if (counters_->record_failure(outcome, backend(), "del")) {
    ++counters_->invalidation_failures;
    throw CacheError("cache_invalidation_failed",
                     outcome.timed_out ? "cache invalidation timed out"
                                       : "cache invalidation failed: " + describe(outcome.error));
  }
}

CacheStats SafeCache::stats() const {
  const auto& c = *counters_;
  return {
      c.hits.load(), c.misses.load(),       c.errors.load(),        c.timeouts.load(),
      c.sets.load(), c.set_failures.load(), c.invalidations.load(), c.invalidation_failures.load()};
}

}  // namespace cruddur::cache
