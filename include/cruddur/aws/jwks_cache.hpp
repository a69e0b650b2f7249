#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace cruddur::aws {

class KeySet;

/// Where and how a JWKS is fetched.
struct JwksOptions {
  std::string url;  ///< `http://`, `https://` or `file://`
  /// Refetches triggered by an unknown `kid` happen at most once per this interval (all threads
  /// together), so a flood of forged kids cannot turn into a flood of requests to the JWKS host.
  std::chrono::seconds min_refetch_interval{30};
  std::chrono::milliseconds fetch_timeout{2000};  ///< whole request, connect included
  std::size_t max_bytes = 256 * 1024;
};

/// A cached JWKS (the public keys of one token issuer).
///
/// Threading contract: every member is thread-safe. A lookup of a cached `kid` takes a mutex for
/// a pointer copy only (pure CPU, no I/O). A lookup of an unknown `kid` — or the very first
/// lookup, when `refresh()` was never called — fetches the JWKS on the calling thread, blocking it
/// for at most `fetch_timeout`; at most one such fetch is in flight and at most one is started
/// per `min_refetch_interval` (the first one excepted), every other caller is answered at once
/// from the cache — except while no key set was ever loaded: then callers wait for the fetch in
/// flight (bounded by its timeout), since nothing could be verified without it. So an io thread
/// blocks for at most `fetch_timeout` once per interval; a server that wants none at all calls
/// `refresh()` at start-up and from a timer on a blocking pool.
class JwksCache {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  /// Does not fetch. `clock` is for tests (default: steady_clock::now).
  explicit JwksCache(JwksOptions options, Clock clock = {});
  ~JwksCache();
  JwksCache(const JwksCache&) = delete;
  JwksCache& operator=(const JwksCache&) = delete;

  /// Fetches the JWKS now, ignoring the rate limit, and replaces the cached keys on success.
  /// Returns the number of RS256 keys. Throws cruddur::Error("jwks_unavailable") when the fetch
  /// or the parse fails; the previously cached keys stay in use then.
  std::size_t refresh();

  /// The cached key set if it holds `kid`; otherwise refetches when the rate limit allows and
  /// looks again. Throws AuthError(unknown_kid) when the kid is still unknown (the message says
  /// whether the refetch was rate-limited or failed; a failed fetch is also logged once as a
  /// warning).
  [[nodiscard]] std::shared_ptr<const KeySet> keys_with(std::string_view kid);

  /// The key set in use now, null before the first fetch; never fetches. A refresh replaces the
  /// pointer, so pointer equality tells whether the keys changed since an earlier call.
  [[nodiscard]] std::shared_ptr<const KeySet> current() const;

  [[nodiscard]] const std::string& url() const noexcept;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cruddur::aws
