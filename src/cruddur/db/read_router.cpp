// Read replicas above the pool: WAL position sampling, routed reads, fallback to the primary.
#include "cruddur/db/read_router.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/redirect_error.hpp>
#include <mutex>

#include "cruddur/db/conninfo.hpp"
#include "cruddur/db/errors.hpp"

namespace cruddur::db {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

milliseconds sample_period(const ReadRouterOptions& options) {
  if (options.sample_every.count() > 0) return options.sample_every;
  return std::clamp(options.max_lag / 10, milliseconds(10), milliseconds(100));
}

// Bad input fails the same way on the primary: everything else is worth asking the primary.
bool primary_may_answer(const DbError& error) {
  return dynamic_cast<const DataError*>(&error) == nullptr
         && dynamic_cast<const CardinalityError*>(&error) == nullptr;
}

bool starts_with_scheme(std::string_view text) {
  return text.rfind("postgresql://", 0) == 0 || text.rfind("postgres://", 0) == 0;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::vector<std::string> split_urls(const std::string& text) {
  // A comma also separates the hosts of one libpq URL (`postgresql://a,b/db`): only a comma
  // followed by a new scheme starts another URL.
  std::vector<std::string> urls;
  std::size_t start = 0;
  for (std::size_t at = text.find(','); start <= text.size(); at = text.find(',', at + 1)) {
    auto rest =
        at == std::string::npos ? std::string_view() : trim(std::string_view(text).substr(at + 1));
    if (at != std::string::npos && !rest.empty() && !starts_with_scheme(rest)) continue;
    auto end = at == std::string::npos ? text.size() : at;
    auto url = trim(std::string_view(text).substr(start, end - start));
    if (!url.empty()) urls.emplace_back(url);
    if (at == std::string::npos) break;
    start = at + 1;
  }
  return urls;
}

struct ReadRouter::Impl {
  Impl(asio::any_io_executor io, const Catalog& statements, Pool& primary_pool,
       const PoolOptions& pool_template, ReadRouterOptions router_options)
      : executor(std::move(io)),
        strand(asio::make_strand(executor)),
        catalog(statements),
        primary(primary_pool),
        options(std::move(router_options)),
        period(sample_period(options)),
        routing(options.replica_urls.size(),
                {options.max_lag, std::max(milliseconds(1000), 5 * period)}),
        primary_lsn(catalog.id("ops/primary_lsn")),
        replayed_lsn(catalog.id("ops/replayed_lsn")) {
    for (const auto& url : options.replica_urls) {
      auto pool_options = pool_template;
      pool_options.url = url;
      displays.push_back(ConnInfo(url).display());
      replicas.push_back(std::make_unique<Pool>(executor, catalog, std::move(pool_options)));
      timers.push_back(std::make_unique<asio::steady_timer>(strand));
      in_use.push_back(false);
    }
    timers.push_back(std::make_unique<asio::steady_timer>(strand));  // the primary's
  }

  Route route(const std::vector<std::string>& keys) {
    Route chosen;
    {
      std::lock_guard lock(mutex);
      chosen = routing.route(keys, Clock::now());
    }
    ++routed[static_cast<std::size_t>(chosen.reason)];
    return chosen;
  }

  void failed(std::size_t replica, const DbError& error) {
    ++fallbacks;
    {
      std::lock_guard lock(mutex);
      routing.replica_failed(replica);
    }
    report(replica, fmt::format("a read failed ({}: {})", error.code(), error.what()));
  }

  // Logs a replica's change between in use and not (once per change).
  void report(std::size_t replica, const std::string& why) {
    bool usable = false;
    std::optional<milliseconds> lag;
    {
      std::lock_guard lock(mutex);
      auto now = Clock::now();
      usable = routing.usable(replica, now);
      lag = routing.lag(replica, now);
      if (usable == in_use[replica]) return;
      in_use[replica] = usable;
    }
    if (usable) {
      spdlog::info("read replica {} ({}): in use (lag {} ms)", replica, displays[replica],
                   lag ? lag->count() : 0);
    } else {
      spdlog::warn("read replica {} ({}): not used, its reads go to the primary: {}", replica,
                   displays[replica],
                   !why.empty() ? why
                   : lag        ? fmt::format("{} ms behind", lag->count())
                                : std::string("not answering"));
    }
  }

  asio::awaitable<void> sleep(asio::steady_timer& timer) {
    timer.expires_after(period);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  static asio::awaitable<void> sample_primary(std::shared_ptr<Impl> self) {
    while (!self->closed) {
      auto sent = Clock::now();
      try {
        auto text = co_await self->primary.query_value(self->primary_lsn);
        auto position = text ? parse_lsn(*text) : std::nullopt;
        if (!position) throw SqlError("pg_current_wal_lsn() answered no WAL position");
        std::lock_guard lock(self->mutex);
        self->routing.primary_sampled(sent, Clock::now(), *position);
      } catch (const DbError& error) {
        if (self->sample_failures++ % 100 == 0) {
          spdlog::warn(
              "read replicas: the primary's WAL position is unknown ({}): reads go to the "
              "primary",
              error.what());
        }
      }
      co_await self->sleep(*self->timers.back());
    }
  }

  static asio::awaitable<void> sample_replica(std::shared_ptr<Impl> self, std::size_t replica) {
    while (!self->closed) {
      std::string why;
      try {
        auto text = co_await self->replicas[replica]->query_value(self->replayed_lsn);
        auto position = text ? parse_lsn(*text) : std::nullopt;
        if (!position) throw SqlError("the replica answered no replay position");
        std::lock_guard lock(self->mutex);
        self->routing.replica_sampled(replica, Clock::now(), *position);
      } catch (const DbError& error) {
        ++self->sample_failures;
        why = error.what();
        std::lock_guard lock(self->mutex);
        self->routing.replica_failed(replica);
      }
      self->report(replica, why);
      co_await self->sleep(*self->timers[replica]);
    }
  }

  asio::any_io_executor executor;
  asio::strand<asio::any_io_executor> strand;  ///< the samplers and their timers
  const Catalog& catalog;
  Pool& primary;
  ReadRouterOptions options;
  milliseconds period;
  std::vector<std::unique_ptr<Pool>> replicas;
  std::vector<std::string> displays;
  std::vector<std::unique_ptr<asio::steady_timer>> timers;  ///< per replica, then the primary's

  mutable std::mutex mutex;  ///< guards routing and in_use
  ReadRouting routing;
  std::vector<bool> in_use;

  StatementId primary_lsn;
  StatementId replayed_lsn;
  std::atomic<bool> closed{false};
  std::array<std::atomic<std::uint64_t>, kRouteReasons> routed{};
  std::atomic<std::uint64_t> fallbacks{0};
  std::atomic<std::uint64_t> missing_retried{0};
  std::atomic<std::uint64_t> sample_failures{0};
};

namespace {

void log_escape(const std::exception_ptr& error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    spdlog::error("read replicas: a sampler stopped on an unexpected error: {}", e.what());
  }
}

}  // namespace

ReadRouter::ReadRouter(asio::any_io_executor executor, const Catalog& catalog, Pool& primary,
                       const PoolOptions& pool_template, ReadRouterOptions options)
    : primary_(primary),
      impl_(std::make_shared<Impl>(std::move(executor), catalog, primary, pool_template,
                                   std::move(options))) {}

ReadRouter::~ReadRouter() {
  close();
}

void ReadRouter::start() {
  if (impl_->replicas.empty()) return;
  asio::co_spawn(impl_->strand, Impl::sample_primary(impl_), log_escape);
  for (std::size_t i = 0; i < impl_->replicas.size(); ++i) {
    asio::co_spawn(impl_->strand, Impl::sample_replica(impl_, i), log_escape);
  }
}

void ReadRouter::close() {
  if (impl_->closed.exchange(true)) return;
  for (auto& pool : impl_->replicas) pool->close();
  asio::post(impl_->strand, [impl = impl_] {
    for (auto& timer : impl->timers) timer->cancel();
  });
}

asio::awaitable<std::string> ReadRouter::query_json_array(std::vector<std::string> keys,
                                                          StatementId id, Params params) {
  auto route = impl_->route(keys);
  if (route.replica) {
    try {
      co_return co_await impl_->replicas[*route.replica]->query_json_array(id, params);
    } catch (const DbError& error) {
      if (!primary_may_answer(error)) throw;
      impl_->failed(*route.replica, error);
    }
  }
  co_return co_await primary_.query_json_array(id, std::move(params));
}

asio::awaitable<RowSet> ReadRouter::execute_returning(std::vector<std::string> keys, StatementId id,
                                                      Params params) {
  auto route = impl_->route(keys);
  if (route.replica) {
    try {
      co_return co_await impl_->replicas[*route.replica]->execute_returning(id, params);
    } catch (const DbError& error) {
      if (!primary_may_answer(error)) throw;
      impl_->failed(*route.replica, error);
    }
  }
  co_return co_await primary_.execute_returning(id, std::move(params));
}

asio::awaitable<std::optional<std::string>> ReadRouter::query_json_object(
    std::vector<std::string> keys, StatementId id, Params params) {
  auto route = impl_->route(keys);
  if (route.replica) {
    try {
      auto found = co_await impl_->replicas[*route.replica]->query_json_object(id, params);
      if (found) co_return found;
      ++impl_->missing_retried;
    } catch (const DbError& error) {
      if (!primary_may_answer(error)) throw;
      impl_->failed(*route.replica, error);
    }
  }
  co_return co_await primary_.query_json_object(id, std::move(params));
}

void ReadRouter::written(const std::vector<std::string>& keys) {
  std::lock_guard lock(impl_->mutex);
  impl_->routing.written(keys, Clock::now());
}

void ReadRouter::written_everything() {
  std::lock_guard lock(impl_->mutex);
  impl_->routing.written_everything(Clock::now());
}

void ReadRouter::blind() {
  std::lock_guard lock(impl_->mutex);
  impl_->routing.blind();
}

void ReadRouter::hearing() {
  std::lock_guard lock(impl_->mutex);
  impl_->routing.hearing(Clock::now());
}

ReplicaStats ReadRouter::stats() const {
  ReplicaStats stats;
  stats.replicas = static_cast<unsigned>(impl_->replicas.size());
  {
    std::lock_guard lock(impl_->mutex);
    auto now = Clock::now();
    for (std::size_t i = 0; i < impl_->replicas.size(); ++i) {
      if (impl_->routing.usable(i, now)) ++stats.usable;
      if (auto lag = impl_->routing.lag(i, now)) {
        stats.max_lag_ms =
            std::max(stats.max_lag_ms.value_or(0), static_cast<double>(lag->count()));
      }
    }
    stats.blind = impl_->routing.is_blind();
    stats.marks = impl_->routing.marks();
  }
  for (std::size_t i = 0; i < kRouteReasons; ++i) stats.routed[i] = impl_->routed[i].load();
  stats.fallbacks = impl_->fallbacks.load();
  stats.missing_retried = impl_->missing_retried.load();
  stats.sample_failures = impl_->sample_failures.load();
  return stats;
}

}  // namespace cruddur::db
