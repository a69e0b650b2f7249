// Pipelined RESP2 client on Asio: lazy connect with AUTH/SELECT, in-order reply matching,
// per-command deadlines, reconnect with exponential backoff. All state lives on one strand.
#include "redis_cache.hpp"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <list>

#include "cruddur/core/report_escaped.hpp"

namespace cruddur::cache {
namespace {

using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using Strand = asio::strand<asio::any_io_executor>;
using asio::redirect_error;
using asio::use_awaitable;

// A command waiting for its reply. `signal` expires at the command's deadline and is cancelled
// when the reply (or the connection's failure) arrives.
struct Pending {
  Pending(const Strand& strand, Clock::time_point deadline) : signal(strand, deadline) {}
  asio::steady_timer signal;
  bool done = false;
  RespValue reply;
  std::optional<CacheError> error;
};

enum class State { disconnected, connecting, ready, closed };

// A command's arguments (braced lists inside coroutines are miscompiled by g++ 12).
template <class... Args>
std::vector<std::string> arguments(Args&&... args) {
  std::vector<std::string> out;
  out.reserve(sizeof...(args));
  (out.emplace_back(std::forward<Args>(args)), ...);
  return out;
}

}  // namespace

struct RedisCache::Impl : std::enable_shared_from_this<RedisCache::Impl> {
  Impl(asio::any_io_executor executor, RedisOptions redis_options)
      : strand(asio::make_strand(executor)),
        options(std::move(redis_options)),
        backoff(options.initial_backoff) {}

  Strand strand;
  RedisOptions options;
  State state = State::disconnected;
  std::uint64_t generation = 0;  // of the current connection; stale coroutines compare against it
  std::shared_ptr<tcp::socket> socket;
  std::deque<std::shared_ptr<Pending>> pending;  // awaiting replies, in the order sent
  std::string outgoing;                          // encoded commands not yet handed to the socket
  bool writing = false;
  std::list<std::shared_ptr<Pending>> waiting_for_connection;
  CacheError last_error{"cache_unavailable", "redis: not connected yet"};
  Clock::time_point next_attempt{};
  std::chrono::milliseconds backoff;
  bool was_ready = false;  // for logging transitions only

  std::string where() const {
    return options.endpoint.host + ":" + std::to_string(options.endpoint.port);
  }

  // Runs on the strand.
  asio::awaitable<RespValue> execute(std::vector<std::string> args) {
    auto self = shared_from_this();
    auto deadline = Clock::now() + options.operation_timeout;
    if (state == State::closed)
      throw CacheError("cache_unavailable", "redis: the client is closed");
    if (state == State::disconnected) {
      if (Clock::now() < next_attempt) throw last_error;
      state = State::connecting;
      asio::co_spawn(strand, connect(), core::ReportEscaped{"redis connect"});
    }
    if (state == State::connecting) {
      auto waiter = std::make_shared<Pending>(strand, deadline);
      waiting_for_connection.push_back(waiter);
      boost::system::error_code ec;
      co_await waiter->signal.async_wait(redirect_error(use_awaitable, ec));
      waiting_for_connection.remove(waiter);
      if (state == State::connecting) {
        throw CacheError("cache_timeout", "redis: connecting to " + where() + " timed out");
      }
      if (state != State::ready) throw last_error;
    }
    auto request = std::make_shared<Pending>(strand, deadline);
    pending.push_back(request);
    outgoing += encode_command(args);
    if (!writing) {
      writing = true;
      asio::co_spawn(strand, write_loop(generation, socket),
                     core::ReportEscaped{"redis write loop"});
    }
    boost::system::error_code ec;
    co_await request->signal.async_wait(redirect_error(use_awaitable, ec));
    if (!request->done) {
      drop_connection(generation, "no reply within "
                                      + std::to_string(options.operation_timeout.count()) + " ms");
      throw CacheError("cache_timeout", "redis: no reply from " + where() + " in time");
    }
    if (request->error) throw *request->error;
    co_return std::move(request->reply);
  }

  asio::awaitable<void> write_loop(std::uint64_t connection, std::shared_ptr<tcp::socket> sock) {
    auto self = shared_from_this();
    while (connection == generation && !outgoing.empty()) {
      std::string chunk;
      chunk.swap(outgoing);
      boost::system::error_code ec;
      co_await asio::async_write(*sock, asio::buffer(chunk), redirect_error(use_awaitable, ec));
      if (ec) {
        drop_connection(connection, "write failed: " + ec.message());
        co_return;
      }
    }
    if (connection == generation) writing = false;
  }

  asio::awaitable<void> read_loop(std::uint64_t connection, std::shared_ptr<tcp::socket> sock) {
    auto self = shared_from_this();
    std::string buffer;
    std::array<char, 16 * 1024> chunk{};
    while (connection == generation) {
      boost::system::error_code ec;
      auto n =
          co_await sock->async_read_some(asio::buffer(chunk), redirect_error(use_awaitable, ec));
      if (ec) {
        drop_connection(connection, ec == asio::error::eof ? "closed by the server" : ec.message());
        co_return;
      }
      buffer.append(chunk.data(), n);
      try {
        std::size_t used = 0;
        RespValue reply;
        while (connection == generation) {
          auto consumed = parse_reply(std::string_view(buffer).substr(used), reply);
          if (consumed == 0) break;
          used += consumed;
          deliver(std::move(reply));
        }
        buffer.erase(0, used);
      } catch (const CacheError& error) {
        drop_connection(connection, error.what());
        co_return;
      }
    }
  }

  void deliver(RespValue reply) {
    if (pending.empty()) {
      drop_connection(generation, "a reply nobody asked for");
      return;
    }
    auto request = std::move(pending.front());
    pending.pop_front();
    request->reply = std::move(reply);
    request->done = true;
    request->signal.cancel();
  }

  // Closes the connection `connection` (if still current) and fails every command waiting on it.
  void drop_connection(std::uint64_t connection, const std::string& reason) {
    if (connection != generation || state != State::ready) return;
    spdlog::warn("redis connection to {} lost: {}", where(), reason);
    ++generation;
    boost::system::error_code ec;
    socket->close(ec);
    socket.reset();
    outgoing.clear();
    writing = false;
    state = State::disconnected;
    last_error =
        CacheError("cache_unavailable", "redis: connection to " + where() + " lost: " + reason);
    next_attempt = Clock::now();  // the first reconnect is immediate; backoff applies after that
    for (auto& request : pending) {
      request->error = last_error;
      request->done = true;
      request->signal.cancel();
    }
    pending.clear();
  }

  void connection_attempt_failed(const CacheError& error) {
    if (state == State::closed) return;
    if (was_ready || next_attempt == Clock::time_point{}) {
      spdlog::warn("redis at {} unavailable: {} (retrying with backoff)", where(), error.what());
    }
    was_ready = false;
    state = State::disconnected;
    last_error = error;
    next_attempt = Clock::now() + backoff;
    backoff = std::min(backoff * 2, options.max_backoff);
    wake_connection_waiters();
  }

  void wake_connection_waiters() {
    for (auto& waiter : waiting_for_connection) waiter->signal.cancel();
  }

  // Reads one reply directly (the read loop is not running yet during the handshake).
  static asio::awaitable<RespValue> handshake_reply(tcp::socket& sock, std::string& buffer) {
    RespValue reply;
    while (true) {
      if (auto used = parse_reply(buffer, reply); used > 0) {
        buffer.erase(0, used);
        co_return reply;
      }
      std::array<char, 4096> chunk{};
      auto n = co_await sock.async_read_some(asio::buffer(chunk), use_awaitable);
      buffer.append(chunk.data(), n);
    }
  }

  asio::awaitable<void> handshake(tcp::socket& sock) {
    const auto& endpoint = options.endpoint;
    std::vector<std::vector<std::string>> commands;
    if (endpoint.password) {
      commands.push_back(endpoint.user ? arguments("AUTH", *endpoint.user, *endpoint.password)
                                       : arguments("AUTH", *endpoint.password));
    }
    if (endpoint.db != 0) commands.push_back(arguments("SELECT", std::to_string(endpoint.db)));
    std::string out;
    for (const auto& command : commands) out += encode_command(command);
    if (out.empty()) co_return;
    co_await asio::async_write(sock, asio::buffer(out), use_awaitable);
    std::string buffer;
    for (const auto& command : commands) {
      auto reply = co_await handshake_reply(sock, buffer);
      if (reply.type != RespValue::Type::error) continue;
      if (command.front() == "AUTH") {
        throw CacheError("cache_unauthorized",
                         "redis at " + where() + " refused AUTH: " + reply.text);
      }
      throw CacheError("cache_rejected", "redis at " + where() + " refused SELECT: " + reply.text);
    }
  }

  // On expiry, aborts the connection attempt. (A plain function: lambdas made inside coroutines
  // are miscompiled by g++ 12.)
  static void arm_watchdog(asio::steady_timer& watchdog, std::shared_ptr<tcp::socket> sock,
                           std::shared_ptr<tcp::resolver> resolver,
                           std::shared_ptr<bool> timed_out) {
    watchdog.async_wait([sock, resolver, timed_out](const boost::system::error_code& ec) {
      if (ec) return;
      *timed_out = true;
      resolver->cancel();
      boost::system::error_code ignored;
      sock->close(ignored);
    });
  }

  asio::awaitable<void> connect() {
    auto self = shared_from_this();
    auto sock = std::make_shared<tcp::socket>(strand);
    auto resolver = std::make_shared<tcp::resolver>(strand);
    auto timed_out = std::make_shared<bool>(false);
    asio::steady_timer watchdog(strand, options.operation_timeout);
    arm_watchdog(watchdog, sock, resolver, timed_out);
    try {
      auto endpoints = co_await resolver->async_resolve(
          options.endpoint.host, std::to_string(options.endpoint.port), use_awaitable);
      co_await asio::async_connect(*sock, endpoints, use_awaitable);
      sock->set_option(tcp::no_delay(true));
      co_await handshake(*sock);
    } catch (const CacheError& error) {
      watchdog.cancel();
      connection_attempt_failed(error);
      co_return;
    } catch (const boost::system::system_error& error) {
      watchdog.cancel();
      connection_attempt_failed(
          *timed_out ? CacheError("cache_timeout", "redis: connecting to " + where() + " timed out")
                     : CacheError("cache_unavailable", "redis: cannot connect to " + where() + ": "
                                                           + error.code().message()));
      co_return;
    }
    watchdog.cancel();
    if (*timed_out || state == State::closed) {
      if (state != State::closed) {
        connection_attempt_failed(
            CacheError("cache_timeout", "redis: connecting to " + where() + " timed out"));
      }
      co_return;
    }
    if (!was_ready) spdlog::info("redis connected to {} (db {})", where(), options.endpoint.db);
    was_ready = true;
    state = State::ready;
    socket = sock;
    backoff = options.initial_backoff;
    asio::co_spawn(strand, read_loop(generation, sock), core::ReportEscaped{"redis read loop"});
    wake_connection_waiters();
  }

  void close() {
    if (state == State::ready) drop_connection(generation, "client closed");
    state = State::closed;
    wake_connection_waiters();
  }
};

RedisCache::RedisCache(asio::any_io_executor executor, RedisOptions options)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(options))) {}

RedisCache::~RedisCache() {
  close();
}

void RedisCache::close() {
  asio::post(impl_->strand, [impl = impl_] { impl->close(); });
}

asio::awaitable<RespValue> RedisCache::command(std::vector<std::string> args) {
  co_return co_await asio::co_spawn(impl_->strand, impl_->execute(std::move(args)), use_awaitable);
}

asio::awaitable<std::optional<std::string>> RedisCache::get(std::string key) {
  auto reply = co_await command(arguments("GET", std::move(key)));
  if (reply.type == RespValue::Type::bulk) co_return std::move(reply.text);
  if (reply.type == RespValue::Type::null) co_return std::nullopt;
  if (reply.type == RespValue::Type::error)
    throw CacheError("cache_rejected", "redis GET: " + reply.text);
  throw CacheError("cache_protocol_error", "redis GET answered with an unexpected type");
}

asio::awaitable<void> RedisCache::set(std::string key, std::string value,
                                      std::chrono::seconds ttl) {
  auto seconds = ttl.count() < 1 ? 1 : ttl.count();
  auto reply = co_await command(
      arguments("SET", std::move(key), std::move(value), "EX", std::to_string(seconds)));
  if (reply.type == RespValue::Type::error)
    throw CacheError("cache_rejected", "redis SET: " + reply.text);
}

asio::awaitable<void> RedisCache::del(std::vector<std::string> keys) {
  if (keys.empty()) co_return;
  keys.insert(keys.begin(), "DEL");
  auto reply = co_await command(std::move(keys));
  if (reply.type == RespValue::Type::error)
    throw CacheError("cache_rejected", "redis DEL: " + reply.text);
}

}  // namespace cruddur::cache
