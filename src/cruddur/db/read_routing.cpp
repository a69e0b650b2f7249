// The routing rules of lag-tolerant reads: replica lag from WAL positions, read-your-writes marks.
#include "cruddur/db/read_routing.hpp"

#include <algorithm>
#include <charconv>

namespace cruddur::db {
namespace {

// How long primary samples are kept at least, for lag reports (the routing needs 2 × `max_lag`).
constexpr std::chrono::seconds kLagHistory{10};

// The key of the `everything_` mark in the queues (cache keys and `user:` keys are never empty).
const std::string kEverything;

std::optional<std::uint32_t> parse_hex32(std::string_view text) {
  if (text.empty() || text.size() > 8) return std::nullopt;
  std::uint32_t value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value, 16);
  if (ec != std::errc{} || ptr != end) return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::uint64_t> parse_lsn(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto high = parse_hex32(text.substr(0, slash));
  auto low = parse_hex32(text.substr(slash + 1));
  if (!high || !low) return std::nullopt;
  return (std::uint64_t{*high} << 32) | *low;
}

std::string_view to_string(RouteReason reason) {
  switch (reason) {
    case RouteReason::replica:
      return "replica";
    case RouteReason::no_replicas:
      return "no_replicas";
    case RouteReason::blind:
      return "blind";
    case RouteReason::fresh:
      return "fresh";
    case RouteReason::lagging:
      return "lagging";
  }
  return "unknown";
}

ReadRouting::ReadRouting(std::size_t replicas, ReadRoutingOptions options)
    : options_(options), replicas_(replicas) {}

void ReadRouting::primary_sampled(Clock::time_point sent, Clock::time_point received,
                                  Lsn position) {
  if (!samples_.empty() && position < samples_.back().position) {
    // A different primary (a restore, a new cluster): positions measured against the old one
    // mean nothing; every read waits for the replicas to pass this one's next sample.
    samples_.clear();
    marks_.clear();
    pending_.clear();
    resolved_.clear();
    everything_.reset();
    written_everything(received);
  }
  samples_.push_back({received, position});
  auto keep =
      std::max<Clock::duration>(2 * options_.max_lag + std::chrono::seconds(1), kLagHistory);
  while (samples_.size() > 1 && samples_[1].received <= received - keep) samples_.pop_front();
  resolve(sent, position);
  // A margin of another `max_lag`: a read may be routed with a time a little older than this.
  if (auto reached = reference(received - options_.max_lag)) forget(*reached);
}

void ReadRouting::replica_sampled(std::size_t replica, Clock::time_point received, Lsn replayed) {
  auto& state = replicas_.at(replica);
  state.received = received;
  state.replayed = replayed;
  state.failed = false;
}

void ReadRouting::replica_failed(std::size_t replica) {
  replicas_.at(replica).failed = true;
}

void ReadRouting::mark(Mark& mark, const std::string& key, Clock::time_point heard) {
  mark.heard = std::max(mark.heard, heard);
  mark.pending = true;
  pending_.emplace_back(heard, key);
}

void ReadRouting::written(const std::vector<std::string>& keys, Clock::time_point heard) {
  if (replicas_.empty()) return;
  for (const auto& key : keys) {
    if (key.empty()) continue;
    mark(marks_[key], key, heard);
  }
}

void ReadRouting::blind() {
  blind_ = true;
}

void ReadRouting::written_everything(Clock::time_point heard) {
  if (replicas_.empty()) return;
  if (!everything_)
    everything_ = Mark{};  // not emplace(): clang deems Mark not default-constructible here
  mark(*everything_, kEverything, heard);
}

void ReadRouting::hearing(Clock::time_point since) {
  blind_ = false;
  written_everything(since);
}

// Every mark heard before the sample was sent is covered by the sampled position.
void ReadRouting::resolve(Clock::time_point sent, Lsn position) {
  while (!pending_.empty() && pending_.front().first < sent) {
    const auto& key = pending_.front().second;
    Mark* found = nullptr;
    if (key.empty()) {
      if (everything_) found = &*everything_;
    } else if (auto it = marks_.find(key); it != marks_.end()) {
      found = &it->second;
    }
    if (found != nullptr && found->pending && found->heard < sent) {
      found->pending = false;
      found->position = position;
      resolved_.emplace_back(position, key);
    }
    pending_.pop_front();
  }
}

// Marks at or below `reached` are met by every replica the lag bound lets serve.
void ReadRouting::forget(Lsn reached) {
  while (!resolved_.empty() && resolved_.front().first <= reached) {
    const auto& [position, key] = resolved_.front();
    if (key.empty()) {
      if (everything_ && !everything_->pending && everything_->position == position) {
        everything_.reset();
      }
    } else if (auto it = marks_.find(key);
               it != marks_.end() && !it->second.pending && it->second.position == position) {
      marks_.erase(it);
    }
    resolved_.pop_front();
  }
}

std::optional<ReadRouting::Lsn> ReadRouting::reference(Clock::time_point now) const {
  if (samples_.empty() || now - samples_.back().received > options_.stale_after) {
    return std::nullopt;
  }
  std::optional<Lsn> position;
  for (const auto& sample : samples_) {
    if (sample.received > now - options_.max_lag) break;
    position = sample.position;
  }
  return position;
}

bool ReadRouting::usable(std::size_t replica, Clock::time_point now) const {
  const auto& state = replicas_.at(replica);
  if (state.failed || !state.received || now - *state.received > options_.stale_after) {
    return false;
  }
  auto needed = reference(now);
  return needed && state.replayed >= *needed;
}

std::optional<std::chrono::milliseconds> ReadRouting::lag(std::size_t replica,
                                                          Clock::time_point now) const {
  const auto& state = replicas_.at(replica);
  if (state.failed || !state.received || samples_.empty()) return std::nullopt;
  for (const auto& sample : samples_) {
    if (sample.position > state.replayed) {
      return std::chrono::duration_cast<std::chrono::milliseconds>(now - sample.received);
    }
  }
  return std::chrono::milliseconds(0);
}

Route ReadRouting::route(const std::vector<std::string>& keys, Clock::time_point now) {
  if (replicas_.empty()) return {std::nullopt, RouteReason::no_replicas};
  if (blind_) return {std::nullopt, RouteReason::blind};
  Lsn needed = 0;
  auto depend = [&needed](const Mark& mark) {
    if (mark.pending) return false;
    needed = std::max(needed, mark.position);
    return true;
  };
  if (everything_ && !depend(*everything_)) return {std::nullopt, RouteReason::fresh};
  for (const auto& key : keys) {
    auto it = marks_.find(key);
    if (it != marks_.end() && !depend(it->second)) return {std::nullopt, RouteReason::fresh};
  }
  bool any_usable = false;
  for (std::size_t i = 0; i < replicas_.size(); ++i) {
    auto candidate = (next_ + i) % replicas_.size();
    if (!usable(candidate, now)) continue;
    any_usable = true;
    if (replicas_[candidate].replayed >= needed) {
      next_ = candidate + 1;
      return {candidate, RouteReason::replica};
    }
  }
  return {std::nullopt, any_usable ? RouteReason::fresh : RouteReason::lagging};
}

}  // namespace cruddur::db
