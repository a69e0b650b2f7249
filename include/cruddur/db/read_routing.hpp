#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace cruddur::db {

/// A WAL position (`pg_lsn`, e.g. `16/B374D848`) as a number; nullopt when `text` is not two
/// hexadecimal numbers of at most 8 digits separated by `/`.
std::optional<std::uint64_t> parse_lsn(std::string_view text);

/// Where a lag-tolerant read went, and why.
enum class RouteReason {
  replica,      ///< a replica within the lag bound that has replayed everything the read needs
  no_replicas,  ///< none configured
  blind,        ///< this instance does not hear the writes (LISTEN down or not yet confirmed)
  fresh,        ///< read-your-writes: no usable replica has replayed a write the read depends on
  lagging,      ///< every replica is down, not sampled lately, or behind READ_MAX_LAG_MS
};
inline constexpr std::size_t kRouteReasons = 5;
std::string_view to_string(RouteReason reason);

struct Route {
  std::optional<std::size_t> replica;  ///< nullopt: the primary
  RouteReason reason = RouteReason::no_replicas;
};

struct ReadRoutingOptions {
  /// A replica is usable while it has replayed everything the primary had written this long ago.
  std::chrono::milliseconds max_lag{1000};
  /// A sample (of the primary or of a replica) older than this is not trusted: the server is
  /// treated as unknown (replica: not used; primary: no replica is used).
  std::chrono::milliseconds stale_after{2000};
};

/// The routing rules of lag-tolerant reads over read replicas, as pure logic: no I/O and no clock
/// of its own (every call gets the time), so every rule is unit-tested. Not thread-safe.
///
/// Lag: the primary's WAL position (`pg_current_wal_lsn()`) is sampled with the time it was
/// seen; a replica is within the bound when its replay position (`pg_last_wal_replay_lsn()`) has
/// reached the primary's position of `max_lag` ago. An idle primary whose position does not move
/// never makes a replica look behind.
///
/// Read-your-writes and cache fills: a write marks the keys it changed (cache keys, `user:<sub>`)
/// when this instance hears of it — after its commit. The first primary sample sent after that
/// has a position at or past the write's commit; until a replica has replayed that position,
/// reads that depend on the key go to the primary. A mark whose position every usable replica
/// has necessarily reached (it is at or below the lag bound's reference) is forgotten, so marks
/// live about `max_lag` and their number is bounded by the write rate.
class ReadRouting {
 public:
  using Clock = std::chrono::steady_clock;
  using Lsn = std::uint64_t;

  ReadRouting(std::size_t replicas, ReadRoutingOptions options);

  /// The primary's position, read by a query sent at `sent` whose answer came at `received`.
  void primary_sampled(Clock::time_point sent, Clock::time_point received, Lsn position);
  /// A replica's replay position as answered at `received`.
  void replica_sampled(std::size_t replica, Clock::time_point received, Lsn replayed);
  /// A replica's sample or read failed: not used until its next successful sample.
  void replica_failed(std::size_t replica);

  /// A write changed `keys` (heard at `heard`, after its commit).
  void written(const std::vector<std::string>& keys, Clock::time_point heard);
  /// A write changed something unknown (heard at `heard`): every read depends on it.
  void written_everything(Clock::time_point heard);
  /// Writes may be happening unheard: no replica is used until hearing().
  void blind();
  /// Writes are heard again since `since`; those missed before are covered by
  /// written_everything(since).
  void hearing(Clock::time_point since);

  /// Where a read that depends on `keys` goes now. Round-robin over the eligible replicas.
  Route route(const std::vector<std::string>& keys, Clock::time_point now);

  [[nodiscard]] std::size_t replicas() const { return replicas_.size(); }
  /// True when `replica` may serve reads now (sampled lately, not failed, within the lag bound).
  [[nodiscard]] bool usable(std::size_t replica, Clock::time_point now) const;
  /// How far behind the primary `replica` is (0 when it has replayed the newest sample); nullopt
  /// when it is down or was never sampled.
  [[nodiscard]] std::optional<std::chrono::milliseconds> lag(std::size_t replica,
                                                             Clock::time_point now) const;
  /// Marks still remembered (for tests and metrics).
  [[nodiscard]] std::size_t marks() const { return marks_.size() + (everything_ ? 1 : 0); }
  [[nodiscard]] bool is_blind() const { return blind_; }

 private:
  struct Sample {
    Clock::time_point received;
    Lsn position;
  };
  struct Replica {
    std::optional<Clock::time_point> received;  ///< of the last successful sample
    Lsn replayed = 0;
    bool failed = true;  ///< until its first sample
  };
  struct Mark {
    Clock::time_point heard;
    bool pending = true;  ///< no primary sample sent after `heard` yet
    Lsn position = 0;     ///< once resolved: what a replica must have replayed
  };

  /// The primary's position `max_lag` before `now`; nullopt when not known yet or stale.
  [[nodiscard]] std::optional<Lsn> reference(Clock::time_point now) const;
  void mark(Mark& mark, const std::string& key, Clock::time_point heard);
  void resolve(Clock::time_point sent, Lsn position);
  void forget(Lsn reached);

  ReadRoutingOptions options_;
  std::vector<Replica> replicas_;
  std::deque<Sample> samples_;  ///< oldest first
  std::unordered_map<std::string, Mark> marks_;
  std::optional<Mark> everything_;  ///< the mark every read depends on (writes missed while blind)
  std::deque<std::pair<Clock::time_point, std::string>> pending_;  ///< marks to resolve, by time
  std::deque<std::pair<Lsn, std::string>> resolved_;               ///< marks to forget, by position
  bool blind_ = true;
  std::size_t next_ = 0;  ///< round-robin start
};

}  // namespace cruddur::db
