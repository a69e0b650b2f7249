#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "cruddur/core/asio.hpp"

namespace cruddur::aws {

class KeySet;

/// Where and how a JWKS is fetched.
struct JwksOptions {
  std::string url;  ///< `http://`, `https://` or `file://`
  /// Refetches triggered by an unknown `kid` start at most once per this interval (all callers
  /// together), so a flood of forged kids cannot turn into a flood of requests to the JWKS host.
  std::chrono::seconds min_refetch_interval{30};
  std::chrono::milliseconds fetch_timeout{2000};  ///< whole request, connect included
  std::size_t max_bytes = 256 * 1024;
  /// start(): how often the keys are fetched again, and the backoff between failed attempts.
  std::chrono::seconds refresh_interval{std::chrono::hours(1)};
  std::chrono::milliseconds retry_min{1000};
  std::chrono::milliseconds retry_max{60000};
};

/// A cached JWKS (the public keys of one token issuer), fetched asynchronously on its executor:
/// `http(s)://` with net's HttpClient, `file://` read with the standard library. No call ever
/// blocks a thread on the network.
///
/// Threading contract: every member is thread-safe. find() and current() take a mutex for a
/// pointer copy only. A fetch runs on the cache's own strand; at most one is in flight, and every
/// caller that needs it waits for that one asynchronously. An unknown `kid` starts a refetch at
/// most once per `min_refetch_interval` (the first fetch excepted); other callers with unknown
/// kids then wait for the refetch in flight, or are answered at once when none may start.
/// Destroy it after its executor's threads stopped, or close() it and let them run out of work.
class JwksCache {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  /// Does not fetch (see start() and refresh()). `clock` is for tests (default steady_clock).
  JwksCache(asio::any_io_executor executor, JwksOptions options, Clock clock = {});
  ~JwksCache();
  JwksCache(const JwksCache&) = delete;
  JwksCache& operator=(const JwksCache&) = delete;

  /// Fetches the keys now and then every `refresh_interval`; a failed fetch is logged and tried
  /// again with backoff (`retry_min` doubling to `retry_max`). Runs until close().
  void start();
  /// Ends the periodic refresh and closes idle connections to the JWKS host, so the executor can
  /// run out of work (a fetch in flight ends within its timeout). Idempotent.
  void close();

  /// Fetches the JWKS now, ignoring the rate limit (or waits for the fetch in flight), and
  /// replaces the cached keys on success. Returns the number of RS256 keys. Throws
  /// cruddur::Error("jwks_unavailable") when the fetch or the parse fails; the previously cached
  /// keys stay in use then.
  asio::awaitable<std::size_t> refresh();

  /// The cached key set if it holds `kid`, else null. Never fetches, never suspends.
  [[nodiscard]] std::shared_ptr<const KeySet> find(std::string_view kid) const;

  /// The cached key set if it holds `kid`; otherwise waits for a refetch (see the class comment)
  /// and looks again. Throws AuthError(unknown_kid) when the kid is still unknown (the message
  /// says whether the refetch was rate-limited or failed; a failed fetch is also logged).
  asio::awaitable<std::shared_ptr<const KeySet>> keys_with(std::string kid);

  /// The key set in use now, null before the first fetch; never fetches. A fetch replaces the
  /// pointer, so pointer equality tells whether the keys changed since an earlier call.
  [[nodiscard]] std::shared_ptr<const KeySet> current() const;

  [[nodiscard]] const std::string& url() const noexcept;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace cruddur::aws
