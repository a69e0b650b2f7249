#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "cruddur/core/asio.hpp"

namespace cruddur::db {

struct ListenerOptions {
  /// A direct connection to the primary: never a transaction pooler (PgBouncer in transaction
  /// mode takes the session back after `LISTEN`, so notifications never arrive).
  std::string url;
  /// The channel: a lower-case SQL identifier (`[a-z_][a-z0-9_]*`), sent as is.
  std::string channel;
  std::chrono::milliseconds connect_timeout{10000};
  /// Reconnect delays: doubling from min to max, with jitter.
  std::chrono::milliseconds backoff_min{100};
  std::chrono::milliseconds backoff_max{5000};
  /// After this long without traffic a `SELECT 1` checks that the connection still works
  /// (a peer that vanished without closing the socket), answered within `ping_timeout`.
  std::chrono::milliseconds ping_after{10000};
  std::chrono::milliseconds ping_timeout{5000};
};

/// A snapshot for /metrics; readable from any thread.
struct ListenerStats {
  bool listening = false;
  std::uint64_t notifications = 0;
  std::uint64_t established = 0;       ///< LISTEN put in effect (the first time included)
  std::uint64_t losses = 0;            ///< established connections lost
  std::uint64_t connect_failures = 0;  ///< attempts that did not reach LISTEN
};

/// `LISTEN <channel>` on a connection of its own (not from the pool): libpq in non-blocking
/// mode, its socket watched by Asio, so no thread waits on it. Reconnects for ever with capped,
/// jittered backoff; every failure is logged (never with a password).
///
/// The handlers run on the listener's strand, one at a time, and must not block:
/// `listening` once LISTEN is in effect (again) — notifications sent while it was not may have
/// been missed; `notified` with each payload, in the server's order; `lost` when an established
/// connection is gone. An exception a handler throws is logged and ignored.
/// Thread-safe. Must be closed (or destroyed) before its io_context is.
class Listener {
 public:
  struct Handlers {
    std::function<void(std::string payload)> notified;
    std::function<void()> listening;
    std::function<void()> lost;
  };

  /// Throws cruddur::Error("invalid_config") for a channel that is not a plain identifier.
  Listener(asio::any_io_executor executor, ListenerOptions options, Handlers handlers);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  /// Connects and listens in the background.
  void start();
  /// Closes the connection and stops reconnecting (idempotent; no handler runs afterwards).
  void close();
  [[nodiscard]] ListenerStats stats() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace cruddur::db
