// The cached JWKS of one token issuer: fetched on its own strand, one fetch at a time, refreshed
// on a timer, refetched for an unknown kid at most once per interval.
#include "cruddur/aws/jwks_cache.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/redirect_error.hpp>
#include <mutex>
#include <optional>

#include "cruddur/aws/auth_error.hpp"
#include "cruddur/core/error.hpp"
#include "cruddur/core/redact.hpp"
#include "cruddur/core/report_escaped.hpp"
#include "cruddur/net/http_client.hpp"
#include "document_fetch.hpp"
#include "key_set.hpp"
#include "log_text.hpp"

namespace cruddur::aws {
namespace {

using Keys = std::shared_ptr<const KeySet>;
using TimePoint = std::chrono::steady_clock::time_point;

bool is_http(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

// Runs `task` on `strand` and resumes the caller on its own executor. Deferred, not dispatched
// (co_spawn's own completion would resume the caller inside the strand, so the rest of its
// request would hold every other waiter of this JWKS).
template <typename T>
asio::awaitable<T> on_strand(asio::any_io_executor strand, asio::awaitable<T> task) {
  auto initiation = [&strand, &task](auto handler) {
    asio::co_spawn(strand, std::move(task),
                   [handler = std::move(handler)](std::exception_ptr error, T value) mutable {
                     auto executor = asio::get_associated_executor(handler);
                     asio::defer(executor, [handler = std::move(handler), error,
                                            value = std::move(value)]() mutable {
                       handler(error, std::move(value));
                     });
                   });
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&,
                                          void(std::exception_ptr, T)>(initiation,
                                                                       asio::use_awaitable);
}

}  // namespace

// One fetch in flight; its waiters wait on `done` (cancelled when it finished). On the strand.
struct Fetch {
  explicit Fetch(const asio::any_io_executor& strand) : done(strand) {
    done.expires_at(asio::steady_timer::time_point::max());
  }
  asio::steady_timer done;
  bool finished = false;
  std::string failure;  // empty when it succeeded
};

struct JwksCache::State : std::enable_shared_from_this<State> {
  State(asio::any_io_executor executor, JwksOptions jwks_options, Clock now)
      : options(std::move(jwks_options)),
        clock(now ? std::move(now) : Clock(&std::chrono::steady_clock::now)),
        strand(asio::make_strand(executor)),
        refresh_timer(strand) {
    if (is_http(options.url)) {
      net::HttpClientOptions client_options;
      client_options.max_idle_per_host = 1;
      client_options.body_limit = options.max_bytes;
      client = std::make_unique<net::HttpClient>(strand, client_options);
    }
  }

  const JwksOptions options;
  const Clock clock;
  asio::any_io_executor strand;
  std::unique_ptr<net::HttpClient> client;  // for http(s):// URLs

  mutable std::mutex mutex;  // guards `keys` only
  Keys keys;

  // On the strand only.
  std::optional<TimePoint> last_fetch_start;
  std::shared_ptr<Fetch> in_flight;
  asio::steady_timer refresh_timer;
  bool closed = false;

  Keys find(std::string_view kid) const {
    std::lock_guard lock(mutex);
    return keys && keys->find(kid) != nullptr ? keys : nullptr;
  }

  std::string describe_unknown(std::string_view kid, const std::string& why) const {
    return "kid " + quote_untrusted(kid) + " is not in the JWKS of " + core::redact_url(options.url)
           + " (" + why + ")";
  }

  // The fetch in flight, or a new one. On the strand.
  std::shared_ptr<Fetch> join_or_start_fetch() {
    if (in_flight) return in_flight;
    last_fetch_start = clock();
    in_flight = std::make_shared<Fetch>(strand);
    asio::co_spawn(strand, run_fetch(shared_from_this(), in_flight),
                   core::ReportEscaped{"JWKS fetch"});
    return in_flight;
  }

  static asio::awaitable<void> run_fetch(std::shared_ptr<State> self,
                                         std::shared_ptr<Fetch> fetch) {
    try {
      auto body = co_await fetch_document(self->client.get(), self->options.url,
                                          self->options.fetch_timeout, self->options.max_bytes);
      auto parsed = std::make_shared<const KeySet>(KeySet::parse(body));
      std::lock_guard lock(self->mutex);
      self->keys = std::move(parsed);
    } catch (const Error& error) {
      fetch->failure = std::string("JWKS unavailable: ") + error.what();
      spdlog::warn("{}", fetch->failure);
    }
    fetch->finished = true;
    fetch->done.cancel();
    if (self->in_flight == fetch) self->in_flight.reset();
  }

  // Waits for `fetch` to finish. On the strand.
  static asio::awaitable<void> wait_for(std::shared_ptr<Fetch> fetch) {
    while (!fetch->finished) {
      boost::system::error_code ignored;
      co_await fetch->done.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
    }
  }

  // refresh() on the strand.
  static asio::awaitable<std::size_t> refresh_here(std::shared_ptr<State> self) {
    auto fetch = self->join_or_start_fetch();
    co_await wait_for(fetch);
    if (!fetch->failure.empty()) throw Error("jwks_unavailable", fetch->failure);
    std::lock_guard lock(self->mutex);
    co_return self->keys ? self->keys->size() : 0;
  }

  // keys_with() on the strand, for a kid that was not cached.
  static asio::awaitable<Keys> refetch_for(std::shared_ptr<State> self, std::string kid) {
    if (auto found = self->find(kid)) co_return found;  // a fetch landed meanwhile
    if (!self->in_flight && self->last_fetch_start
        && self->clock() - *self->last_fetch_start < self->options.min_refetch_interval) {
      throw AuthError(AuthFailure::unknown_kid,
                      self->describe_unknown(kid, "refetch rate-limited"));
    }
    auto fetch = self->join_or_start_fetch();
    co_await wait_for(fetch);
    if (auto found = self->find(kid)) co_return found;
    throw AuthError(
        AuthFailure::unknown_kid,
        self->describe_unknown(
            kid, fetch->failure.empty() ? "refetched" : "refetch failed: " + fetch->failure));
  }

  // start(): fetch now, then every refresh_interval; after a failure, again with backoff.
  static asio::awaitable<void> refresh_loop(std::shared_ptr<State> self) {
    auto backoff = self->options.retry_min;
    while (!self->closed) {
      std::chrono::milliseconds pause = self->options.refresh_interval;
      try {
        co_await refresh_here(self);
        backoff = self->options.retry_min;
      } catch (const Error&) {  // logged by the fetch
        pause = backoff;
        backoff = std::min(backoff * 2, self->options.retry_max);
      }
      if (self->closed) break;
      self->refresh_timer.expires_after(pause);
      boost::system::error_code cancelled;
      co_await self->refresh_timer.async_wait(asio::redirect_error(asio::use_awaitable, cancelled));
    }
  }
};

JwksCache::JwksCache(asio::any_io_executor executor, JwksOptions options, Clock clock)
    : state_(std::make_shared<State>(std::move(executor), std::move(options), std::move(clock))) {}

JwksCache::~JwksCache() {
  close();
}

void JwksCache::start() {
  asio::co_spawn(state_->strand, State::refresh_loop(state_), core::ReportEscaped{"JWKS refresh"});
}

void JwksCache::close() {
  asio::post(state_->strand, [state = state_] {
    state->closed = true;
    state->refresh_timer.cancel();
    if (state->client) state->client->close_idle();
  });
}

asio::awaitable<std::size_t> JwksCache::refresh() {
  auto state = state_;
  co_return co_await on_strand(state->strand, State::refresh_here(state));
}

std::shared_ptr<const KeySet> JwksCache::find(std::string_view kid) const {
  return state_->find(kid);
}

asio::awaitable<std::shared_ptr<const KeySet>> JwksCache::keys_with(std::string kid) {
  if (auto found = state_->find(kid)) co_return found;
  auto state = state_;
  co_return co_await on_strand(state->strand, State::refetch_for(state, std::move(kid)));
}

std::shared_ptr<const KeySet> JwksCache::current() const {
  std::lock_guard lock(state_->mutex);
  return state_->keys;
}

const std::string& JwksCache::url() const noexcept {
  return state_->options.url;
}

}  // namespace cruddur::aws
