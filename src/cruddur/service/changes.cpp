// What a committed write does on every server: invalidation, read routing, echo and probe.
#include "cruddur/service/changes.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/redirect_error.hpp>
#include <deque>
#include <nlohmann/json.hpp>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "cruddur/db/errors.hpp"
#include "cruddur/db/pool.hpp"
#include "cruddur/db/read_router.hpp"
#include "cruddur/service/change.hpp"
#include "cruddur/service/feed_cache.hpp"

namespace cruddur::service {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Notifications heard are remembered this long, for a writer that starts waiting after its own
// notification has already come back.
constexpr milliseconds kRememberHeard{2000};
// After a probe that could not even be sent (the primary is unreachable).
constexpr milliseconds kProbeResend{1000};

std::string random_nonce() {
  std::random_device device;
  std::uniform_int_distribution<int> digit(0, 15);
  std::string nonce;
  for (int i = 0; i < 24; ++i) nonce += "0123456789abcdef"[digit(device)];
  return nonce;
}

void log_escape(const std::exception_ptr& error) {
  if (!error) return;
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    spdlog::error("changes: a background task stopped on an unexpected error: {}", e.what());
  }
}

}  // namespace

struct Changes::Impl {
  Impl(asio::any_io_executor executor, FeedCache& feed_cache, db::ReadRouter& router,
       db::Pool& pool, const db::Catalog& catalog, ChangesOptions changes_options)
      : strand(asio::make_strand(executor)),
        feeds(feed_cache),
        reads(router),
        primary(pool),
        notify(catalog.id("ops/notify")),
        options(changes_options),
        probe_timer(strand) {}

  struct Waiter {
    explicit Waiter(asio::strand<asio::any_io_executor>& strand) : timer(strand) {
      timer.expires_at(asio::steady_timer::time_point::max());
    }
    asio::steady_timer timer;
    bool heard = false;
  };

  // Marks what the change's reads depend on (at once, before anything is awaited) and returns
  // the cache keys to invalidate.
  std::vector<std::string> mark(const Change& change) {
    auto keys = FeedCache::keys(change);
    auto depends = keys;
    depends.push_back(user_key(change.user));
    reads.written(depends);
    return keys;
  }

  // A write whose keys are unknown: nothing held here can be trusted.
  void drop_everything() {
    feeds.invalidate_all();
    reads.written_everything();
  }

  // On the strand from here on.
  void remember(const std::string& id) {
    auto now = Clock::now();
    while (!recent.empty() && now - recent.front().first > kRememberHeard) {
      recent_ids.erase(recent.front().second);
      recent.pop_front();
    }
    if (recent_ids.insert(id).second) recent.emplace_back(now, id);
  }

  // True when the notification `id` is awaited here (then the waiter is woken).
  bool wake(const std::string& id) {
    auto it = waiters.find(id);
    if (it == waiters.end()) return false;
    it->second->heard = true;
    it->second->timer.cancel();
    return true;
  }

  static asio::awaitable<bool> await_notification(std::shared_ptr<Impl> self, std::string id,
                                                  milliseconds bound) {
    if (self->recent_ids.count(id) != 0) co_return true;
    auto waiter = std::make_shared<Waiter>(self->strand);
    self->waiters[id] = waiter;
    waiter->timer.expires_after(bound);
    boost::system::error_code ec;
    co_await waiter->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (auto it = self->waiters.find(id); it != self->waiters.end() && it->second == waiter) {
      self->waiters.erase(it);
    }
    co_return waiter->heard;
  }

  static asio::awaitable<void> invalidate(std::shared_ptr<Impl> self,
                                          std::vector<std::string> keys) {
    co_await self->feeds.invalidate(std::move(keys));
  }

  void on_heard(const Notification& notification) {
    if (const auto* probe = std::get_if<Probe>(&notification)) {
      auto id = "probe:" + probe->nonce;
      if (!wake(id)) remember(id);
      return;
    }
    const auto& change = std::get<Change>(notification);
    ++heard;
    auto id = "xid:" + change.xid;
    if (wake(id)) return;  // the writer here did the rest
    remember(id);
    asio::co_spawn(strand, invalidate(self.lock(), FeedCache::keys(change)), log_escape);
  }

  static asio::awaitable<void> probe(std::shared_ptr<Impl> self, std::uint64_t generation) {
    for (;;) {
      auto nonce = random_nonce();
      db::Params params{nlohmann::json{{"probe", nonce}}.dump()};
      bool sent = false;
      try {
        co_await self->primary.execute(self->notify, std::move(params));
        sent = true;
      } catch (const db::DbError& error) {
        spdlog::warn("changes: could not send the LISTEN probe ({}); trying again", error.what());
      }
      bool arrived =
          sent && co_await await_notification(self, "probe:" + nonce, self->options.probe_wait);
      if (self->closed || generation != self->generation) co_return;
      if (arrived) {
        // Writes made while nothing was heard are unknown: drop everything held here.
        self->feeds.invalidate_all();
        self->reads.hearing();
        self->hearing = true;
        spdlog::info("changes: LISTEN confirmed; other servers' writes reach this one");
        co_return;
      }
      if (sent) {
        ++self->probe_failures;
        spdlog::error(
            "changes: LISTEN does not hear what this server NOTIFYs: the probe sent through "
            "CONNECTION_URL did not arrive within {} ms. LISTEN_CONNECTION_URL must reach the "
            "primary directly, not through a transaction pooler (PgBouncer in transaction mode, "
            "RDS Proxy). Until it does, reads stay on the primary and other servers' writes reach "
            "this server's in-process cache only through CACHE_TTL_SECONDS. Probing again in "
            "{} s.",
            self->options.probe_wait.count(), self->options.probe_retry.count() / 1000);
      }
      self->probe_timer.expires_after(sent ? self->options.probe_retry : kProbeResend);
      boost::system::error_code ec;
      co_await self->probe_timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (self->closed || generation != self->generation) co_return;
    }
  }

  asio::strand<asio::any_io_executor> strand;
  FeedCache& feeds;
  db::ReadRouter& reads;
  db::Pool& primary;
  db::StatementId notify;
  ChangesOptions options;
  std::weak_ptr<Impl> self;

  // On the strand.
  std::unordered_map<std::string, std::shared_ptr<Waiter>> waiters;
  std::deque<std::pair<Clock::time_point, std::string>> recent;
  std::unordered_set<std::string> recent_ids;
  asio::steady_timer probe_timer;
  std::uint64_t generation = 0;  ///< bumped by every listening/lost: older probes stop
  bool closed = false;

  std::atomic<bool> hearing{false};
  std::atomic<std::uint64_t> heard{0};
  std::atomic<std::uint64_t> own_echoes{0};
  std::atomic<std::uint64_t> echo_timeouts{0};
  std::atomic<std::uint64_t> unknown{0};
  std::atomic<std::uint64_t> probe_failures{0};
};

Changes::Changes(asio::any_io_executor executor, FeedCache& feeds, db::ReadRouter& reads,
                 db::Pool& primary, const db::Catalog& catalog, ChangesOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), feeds, reads, primary, catalog, options)) {
  impl_->self = impl_;
}

Changes::~Changes() {
  close();
}

asio::awaitable<void> Changes::committed(std::string payload) {
  auto notification = parse_notification(payload);
  const auto* parsed = std::get_if<Change>(&notification);
  if (parsed == nullptr) {
    // The statement's own payload: only a catalog file out of step with this parser gets here.
    spdlog::error("changes: a write's change is not understood: everything cached here is dropped");
    impl_->drop_everything();
    co_return;
  }
  auto change = *parsed;  // named: g++ 12 and references across co_await
  auto keys = impl_->mark(change);
  co_await impl_->feeds.invalidate(std::move(keys));
  if (!impl_->hearing) co_return;
  auto echoed = co_await asio::co_spawn(
      impl_->strand, Impl::await_notification(impl_, "xid:" + change.xid, impl_->options.echo_wait),
      asio::use_awaitable);
  ++(echoed ? impl_->own_echoes : impl_->echo_timeouts);
}

void Changes::heard(std::string payload) {
  auto notification = parse_notification(payload);
  if (const auto* unknown = std::get_if<Unknown>(&notification)) {
    ++impl_->unknown;
    spdlog::warn("changes: a notification not understood ({}): everything cached here is dropped",
                 unknown->reason);
    impl_->drop_everything();
    return;
  }
  if (const auto* change = std::get_if<Change>(&notification)) {
    // At once, on the listener's thread: a read that runs after this cannot be answered from a
    // replica or an in-process entry that predates the write.
    impl_->feeds.forget(impl_->mark(*change));
  }
  asio::post(impl_->strand, [impl = impl_, notification = std::move(notification)] {
    if (!impl->closed) impl->on_heard(notification);
  });
}

void Changes::listening() {
  asio::post(impl_->strand, [impl = impl_] {
    if (impl->closed) return;
    auto generation = ++impl->generation;
    impl->probe_timer.cancel();
    asio::co_spawn(impl->strand, Impl::probe(impl, generation), log_escape);
  });
}

void Changes::lost() {
  impl_->hearing = false;
  impl_->reads.blind();
  asio::post(impl_->strand, [impl = impl_] {
    ++impl->generation;
    impl->probe_timer.cancel();
  });
}

void Changes::close() {
  asio::post(impl_->strand, [impl = impl_] {
    impl->closed = true;
    impl->probe_timer.cancel();
    for (auto& [id, waiter] : impl->waiters) waiter->timer.cancel();
  });
}

ChangesStats Changes::stats() const {
  return {impl_->hearing.load(),       impl_->heard.load(),   impl_->own_echoes.load(),
          impl_->echo_timeouts.load(), impl_->unknown.load(), impl_->probe_failures.load()};
}

}  // namespace cruddur::service
