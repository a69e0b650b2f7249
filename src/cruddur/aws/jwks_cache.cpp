// The cached, rate-limited JWKS of one token issuer.
#include "cruddur/aws/jwks_cache.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>
#include <optional>

#include "cruddur/aws/auth_error.hpp"
#include "cruddur/core/error.hpp"
#include "cruddur/core/redact.hpp"
#include "key_set.hpp"
#include "log_text.hpp"
#include "url_fetch.hpp"

namespace cruddur::aws {

struct JwksCache::State {
  JwksOptions options;
  Clock clock;
  std::mutex mutex;  // guards the three members below, never held during a fetch
  std::shared_ptr<const KeySet> keys;
  std::optional<std::chrono::steady_clock::time_point> last_fetch_start;
  bool fetching = false;
  std::condition_variable fetch_done;  // notified when `fetching` turns false

  std::shared_ptr<const KeySet> fetch() const {
    try {
      std::string body = fetch_url(options.url, options.fetch_timeout, options.max_bytes);
      return std::make_shared<const KeySet>(KeySet::parse(body));
    } catch (const Error& error) {
      throw Error("jwks_unavailable", std::string("JWKS unavailable: ") + error.what());
    }
  }

  /// Clears `fetching` when a fetch ends, however it ends.
  struct FetchingReset {
    State& state;
    ~FetchingReset() {
      {
        std::lock_guard lock(state.mutex);
        state.fetching = false;
      }
      state.fetch_done.notify_all();
    }
  };
};

JwksCache::JwksCache(JwksOptions options, Clock clock) : state_(std::make_unique<State>()) {
  state_->options = std::move(options);
  state_->clock = clock ? std::move(clock) : Clock(&std::chrono::steady_clock::now);
}

JwksCache::~JwksCache() = default;

const std::string& JwksCache::url() const noexcept {
  return state_->options.url;
}

std::shared_ptr<const KeySet> JwksCache::current() const {
  std::lock_guard lock(state_->mutex);
  return state_->keys;
}

std::size_t JwksCache::refresh() {
  {
    std::lock_guard lock(state_->mutex);
    state_->last_fetch_start = state_->clock();
  }
  auto keys = state_->fetch();
  std::lock_guard lock(state_->mutex);
  state_->keys = keys;
  return keys->size();
}

std::shared_ptr<const KeySet> JwksCache::keys_with(std::string_view kid) {
  State& state = *state_;
  {
    std::unique_lock lock(state.mutex);
    if (!state.keys && state.fetching) {
      // Cold start: nothing can be verified before the first fetch lands, so wait for it
      // (bounded by its own timeout) instead of refusing every concurrent caller.
      state.fetch_done.wait_for(lock, state.options.fetch_timeout + std::chrono::seconds(1),
                                [&] { return !state.fetching; });
    }
    if (state.keys && state.keys->find(kid) != nullptr) return state.keys;
    auto now = state.clock();
    bool allowed = !state.fetching
                   && (!state.last_fetch_start
                       || now - *state.last_fetch_start >= state.options.min_refetch_interval);
    if (!allowed) {
      throw AuthError(AuthFailure::unknown_kid, "kid " + quote_untrusted(kid)
                                                    + " is not in the JWKS of "
                                                    + core::redact_url(state.options.url)
                                                    + " (refetch rate-limited or in progress)");
    }
    state.fetching = true;
    state.last_fetch_start = now;
  }
  std::shared_ptr<const KeySet> keys;
  std::string failure;
  {
    State::FetchingReset reset{state};
    try {
      keys = state.fetch();
    } catch (const Error& error) {
      failure = error.what();
      spdlog::warn("{}", failure);
    }
    if (keys) {
      std::lock_guard lock(state.mutex);
      state.keys = keys;  // before `fetching` clears, so woken waiters see the new keys
    }
  }
  std::lock_guard lock(state.mutex);
  if (state.keys && state.keys->find(kid) != nullptr) return state.keys;
  throw AuthError(AuthFailure::unknown_kid,
                  "kid " + quote_untrusted(kid) + " is not in the JWKS of "
                      + core::redact_url(state.options.url)
                      + (failure.empty() ? " (refetched)" : " (refetch failed: " + failure + ")"));
}

}  // namespace cruddur::aws
