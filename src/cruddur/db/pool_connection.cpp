// One pool connection: libpq in non-blocking pipeline mode, its socket watched by Asio.
#include "pool_connection.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "cruddur/db/errors.hpp"

namespace cruddur::db {
namespace {

std::exception_ptr connection_error(const PGconn* conn) {
  try {
    throw_connection_error(conn);
  } catch (...) {
    return std::current_exception();
  }
}

std::exception_ptr connect_failure(const PGconn* conn, ConnStatusType phase) {
  try {
    throw_connect_failure(conn, phase);
  } catch (...) {
    return std::current_exception();
  }
}

std::string statement_name(std::size_t index) {
  return fmt::format("c{}", index);
}

// Turns the statement's result into the caller's Reply; throws the typed DbError.
Reply make_reply(const Request& request, const PGconn* conn) {
  const PGresult* result = request.result.get();
  check_result(result, conn);
  // The server answers COMMIT of a failed transaction with ROLLBACK and no error.
  if (request.kind == Request::Kind::command && std::string_view(request.command) == "COMMIT"
      && std::string_view(PQcmdStatus(const_cast<PGresult*>(result))) == "ROLLBACK") {
    throw SqlError("the transaction was rolled back: a statement in it failed", "25P02");
  }
  Reply reply;
  int rows = PQntuples(result);
  auto field = [&](int row, int column) -> std::optional<std::string> {
    if (PQgetisnull(result, row, column) != 0) return std::nullopt;
    return std::string(PQgetvalue(result, row, column),
                       static_cast<std::size_t>(PQgetlength(result, row, column)));
  };
  switch (request.returns) {
    case Returns::array:
    case Returns::object:
    case Returns::value:
      if (rows > 1 || PQnfields(result) != 1) {
        throw CardinalityError(
            fmt::format("expected at most one row of one column, got {} rows "
                        "of {} columns",
                        rows, PQnfields(result)));
      }
      if (rows == 1) reply.text = field(0, 0);
      break;
    case Returns::rows:
      for (int column = 0; column < PQnfields(result); ++column) {
        reply.rows.columns.emplace_back(PQfname(result, column));
      }
      for (int row = 0; row < rows; ++row) {
        auto& out = reply.rows.rows.emplace_back();
        for (int column = 0; column < PQnfields(result); ++column)
          out.push_back(field(row, column));
      }
      [[fallthrough]];
    case Returns::none: {
      const char* tuples = PQcmdTuples(const_cast<PGresult*>(result));
      reply.affected = tuples == nullptr || *tuples == '\0' ? 0 : std::stol(tuples);
      break;
    }
  }
  return reply;
}

}  // namespace

std::string_view to_string(ConnectionState state) {
  switch (state) {
    case ConnectionState::connecting:
      return "connecting";
    case ConnectionState::preparing:
      return "preparing";
    case ConnectionState::idle:
      return "idle";
    case ConnectionState::busy:
      return "busy";
    case ConnectionState::leased:
      return "leased";
    case ConnectionState::checking:
      return "checking";
    case ConnectionState::retiring:
      return "retiring";
    case ConnectionState::closed:
      return "closed";
  }
  return "unknown";
}

void fail_request(Request& request, std::exception_ptr error) {
  if (request.completion) {
    auto completion = std::move(request.completion);
    completion->complete(std::move(error), {});
  }
}

PoolConnection::PoolConnection(Strand strand, const Catalog& catalog,
                               const ConnectSettings& settings, Clock::duration lifetime,
                               Listener listener)
    : strand_(strand),
      catalog_(catalog),
      settings_(settings),
      lifetime_(lifetime),
      listener_(std::move(listener)),
      socket_(strand),
      connect_timer_(strand),
      answer_timer_(strand) {}

PoolConnection::~PoolConnection() {
  // The descriptor belongs to libpq: detach it from Asio before PQfinish closes it.
  if (socket_.is_open()) socket_.release();
}

void PoolConnection::start() {
  const char* keywords[] = {"dbname", "fallback_application_name", "options", nullptr};
  const char* values[] = {settings_.url.c_str(), "cruddur", settings_.options.c_str(), nullptr};
  conn_.reset(PQconnectStartParams(keywords, values, 1));
  if (!conn_ || PQstatus(conn_.get()) == CONNECTION_BAD || PQsetnonblocking(conn_.get(), 1) != 0) {
    return fail(connect_failure(conn_.get(), CONNECTION_BAD));
  }
  // A server's refusal then carries its SQLSTATE (connect_failure classifies by it); reset once
  // connected.
  PQsetErrorVerbosity(conn_.get(), PQERRORS_VERBOSE);
  connect_timer_.expires_after(settings_.connect_timeout);
  connect_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec || self->state_ != ConnectionState::connecting) return;
    self->fail(std::make_exception_ptr(ConnectionError(
        fmt::format("could not connect within {} ms", self->settings_.connect_timeout.count()), {},
        ConnectFailure::unreachable)));
  });
  watch_socket();
  wait(Wait::wait_write, &PoolConnection::continue_connect);
}

void PoolConnection::watch_socket() {
  int fd = PQsocket(conn_.get());
  if (fd == fd_) return;
  if (socket_.is_open()) socket_.release();
  ++generation_;
  reading_ = writing_ = false;
  fd_ = fd;
  if (fd >= 0) socket_.assign(fd);
}

void PoolConnection::wait(Wait what, void (PoolConnection::*next)()) {
  if (!socket_.is_open()) return fail(connection_error(conn_.get()));
  socket_.async_wait(what, [self = shared_from_this(), generation = generation_,
                            next](boost::system::error_code ec) {
    if (ec || generation != self->generation_ || self->state_ == ConnectionState::closed) return;
    ((*self).*next)();
  });
}

void PoolConnection::continue_connect() {
  auto phase = PQstatus(conn_.get());
  switch (PQconnectPoll(conn_.get())) {
    case PGRES_POLLING_READING:
      watch_socket();
      return wait(Wait::wait_read, &PoolConnection::continue_connect);
    case PGRES_POLLING_WRITING:
      watch_socket();
      return wait(Wait::wait_write, &PoolConnection::continue_connect);
    case PGRES_POLLING_OK:
      watch_socket();
      return on_connected();
    default:
      return fail(connect_failure(conn_.get(), phase));
  }
}

void PoolConnection::on_connected() {
  connect_timer_.cancel();
  PQsetErrorVerbosity(conn_.get(), PQERRORS_DEFAULT);
  backend_pid_ = PQbackendPID(conn_.get());
  if (PQenterPipelineMode(conn_.get()) != 1) return fail(connection_error(conn_.get()));
  const auto& statements = catalog_.statements();
  for (std::size_t i = 0; settings_.prepared && i < statements.size(); ++i) {
    const auto& statement = statements[i];
    if (PQsendPrepare(conn_.get(), statement_name(i).c_str(), statement.sql.c_str(),
                      static_cast<int>(statement.parameters.size()), nullptr)
        != 1) {
      return fail(connection_error(conn_.get()));
    }
  }
  if (PQpipelineSync(conn_.get()) != 1) return fail(connection_error(conn_.get()));
  auto setup = std::make_unique<Request>();
  setup->kind = Request::Kind::setup;
  in_flight_.push_back(std::move(setup));
  state_ = ConnectionState::preparing;
  flush();
  arm_read();
}

void PoolConnection::send(std::unique_ptr<Request> request) {
  if (state_ == ConnectionState::idle) state_ = ConnectionState::busy;
  int sent = 0;
  if (request->kind == Request::Kind::statement) {
    std::vector<const char*> values;
    values.reserve(request->params.size());
    for (const auto& param : request->params) values.push_back(param ? param->c_str() : nullptr);
    if (settings_.prepared) {
      sent =
          PQsendQueryPrepared(conn_.get(), statement_name(request->statement).c_str(),
                              static_cast<int>(values.size()), values.data(), nullptr, nullptr, 0);
    } else {
      sent = send_unnamed(*request, values);
    }
  } else {
    sent =
        PQsendQueryParams(conn_.get(), request->command, 0, nullptr, nullptr, nullptr, nullptr, 0);
  }
  if (sent != 1 || PQpipelineSync(conn_.get()) != 1) {
    in_flight_.push_back(std::move(request));
    return fail(connection_error(conn_.get()));
  }
  in_flight_.push_back(std::move(request));
  arm_answer_timer();
  flush();
}

// The unprepared mode: the prelude, then the statement with its parameters (unnamed: parsed each
// time), before one sync, so both run in one implicit transaction and the prelude's
// set_config(…, true) settings hold for the statement and vanish with it.
int PoolConnection::send_unnamed(Request& request, const std::vector<const char*>& values) {
  if (!settings_.prelude.empty()) {
    if (PQsendQueryParams(conn_.get(), settings_.prelude.c_str(), 0, nullptr, nullptr, nullptr,
                          nullptr, 0)
        != 1) {
      return 0;
    }
    request.prelude_results = 1;
  }
  const auto& sql = catalog_.statements().at(request.statement).sql;
  return PQsendQueryParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                           values.data(), nullptr, nullptr, 0);
}

void PoolConnection::arm_answer_timer() {
  if (answer_armed_ || state_ == ConnectionState::closed) return;
  // answer_by grows along the pipeline (set when sent, same offset): the first one is the next.
  auto next = std::find_if(in_flight_.begin(), in_flight_.end(), [](const auto& request) {
    return request->completion && request->answer_by != Clock::time_point();
  });
  if (next == in_flight_.end()) return;
  answer_armed_ = true;
  answer_timer_.expires_at((*next)->answer_by);
  answer_timer_.async_wait(
      [self = shared_from_this(), generation = generation_](boost::system::error_code ec) {
        if (generation != self->generation_ || self->state_ == ConnectionState::closed) return;
        self->answer_armed_ = false;
        if (!ec) self->answer_overdue();
        self->arm_answer_timer();
      });
}

// Answers every read past its answer_by now; the statements stay in the pipeline (Postgres
// cannot skip one) and their results are dropped in finish().
void PoolConnection::answer_overdue() {
  auto now = Clock::now();
  for (auto& request : in_flight_) {
    if (!request->completion || request->answer_by == Clock::time_point()
        || request->answer_by > now) {
      continue;
    }
    fail_request(*request,
                 std::make_exception_ptr(QueryCanceled(
                     "canceling statement due to statement timeout (it was still queued behind "
                     "other statements on its connection)",
                     "57014", "")));
  }
}

void PoolConnection::arm_read() {
  if (reading_ || state_ == ConnectionState::closed) return;
  reading_ = true;
  socket_.async_wait(Wait::wait_read, [self = shared_from_this(),
                                       generation = generation_](boost::system::error_code ec) {
    if (generation != self->generation_ || self->state_ == ConnectionState::closed) return;
    self->reading_ = false;
    if (ec) return self->fail(std::make_exception_ptr(ConnectionError(ec.message())));
    self->on_readable();
  });
}

void PoolConnection::on_readable() {
  auto self = shared_from_this();
  if (PQconsumeInput(conn_.get()) != 1) return fail(connection_error(conn_.get()));
  process();
  if (state_ == ConnectionState::closed) return;
  flush();
  arm_read();
}

void PoolConnection::flush() {
  if (state_ == ConnectionState::closed) return;
  int pending = PQflush(conn_.get());
  if (pending < 0) return fail(connection_error(conn_.get()));
  if (pending == 0 || writing_) return;
  writing_ = true;
  socket_.async_wait(Wait::wait_write, [self = shared_from_this(),
                                        generation = generation_](boost::system::error_code ec) {
    if (generation != self->generation_ || self->state_ == ConnectionState::closed) return;
    self->writing_ = false;
    if (!ec) self->on_writable();
  });
}

void PoolConnection::on_writable() {
  auto self = shared_from_this();
  if (PQconsumeInput(conn_.get()) != 1) return fail(connection_error(conn_.get()));
  process();
  flush();
}

void PoolConnection::process() {
  auto previous = state_;
  bool finished_any = false;
  bool previous_was_end = false;
  while (!in_flight_.empty() && state_ != ConnectionState::closed && PQisBusy(conn_.get()) == 0) {
    PgResultPtr result(PQgetResult(conn_.get()));
    if (!result) {
      if (previous_was_end) break;  // nothing more buffered
      previous_was_end = true;
      continue;
    }
    previous_was_end = false;
    auto& front = *in_flight_.front();
    auto status = PQresultStatus(result.get());
    if (status == PGRES_PIPELINE_SYNC) {
      auto request = std::move(in_flight_.front());
      in_flight_.pop_front();
      finish(std::move(request));
      finished_any = true;
      continue;
    }
    bool failed = status == PGRES_FATAL_ERROR || status == PGRES_PIPELINE_ABORTED;
    if (front.prelude_results > 0) {
      // The prelude's own result; kept only when it failed (the statement is then aborted).
      --front.prelude_results;
      if (failed && !front.result) front.result = std::move(result);
    } else if (front.kind != Request::Kind::setup) {
      if (!front.result) front.result = std::move(result);
    } else if (failed && !front.result) {
      front.failed_at = front.results;
      front.result = std::move(result);
    }
    ++front.results;
  }
  if (state_ != ConnectionState::closed && PQstatus(conn_.get()) == CONNECTION_BAD) {
    return fail(connection_error(conn_.get()));
  }
  if (!finished_any || state_ == ConnectionState::closed) return;
  if (in_flight_.empty()) {
    idle_since_ = Clock::now();
    if (state_ == ConnectionState::busy || state_ == ConnectionState::checking) {
      state_ = ConnectionState::idle;
    }
  }
  if (listener_) listener_(*this, previous);
}

void PoolConnection::finish(std::unique_ptr<Request> request) {
  if (request->kind == Request::Kind::setup) {
    if (request->result) {
      // Same typed error as the server's, with the statement named (the schema is not migrated,
      // or a catalog file has a typo).
      const PGresult* result = request->result.get();
      const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
      const char* message = PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
      try {
        throw_for_sqlstate(sqlstate == nullptr ? "" : sqlstate,
                           fmt::format("preparing {} failed: {}",
                                       catalog_.statements().at(request->failed_at).name,
                                       message == nullptr ? "unknown error" : message));
      } catch (const DbError&) {
        fail(std::current_exception());
      }
      return;
    }
    state_ = ConnectionState::idle;
    expires_at_ = Clock::now() + lifetime_;
    return;
  }
  if (!request->completion) return;  // internal liveness check
  auto completion = std::move(request->completion);
  try {
    auto reply = make_reply(*request, conn_.get());
    completion->complete(nullptr, std::move(reply));
  } catch (...) {
    completion->complete(std::current_exception(), {});
  }
}

void PoolConnection::fail(std::exception_ptr error) {
  if (state_ == ConnectionState::closed) return;
  auto self = shared_from_this();
  auto previous = state_;
  error_ = error;
  state_ = ConnectionState::closed;
  connect_timer_.cancel();
  answer_timer_.cancel();
  auto in_flight = std::move(in_flight_);
  in_flight_.clear();
  for (auto& request : in_flight) fail_request(*request, error);
  if (socket_.is_open()) socket_.release();
  ++generation_;
  conn_.reset();
  if (listener_) listener_(*this, previous);
}

void PoolConnection::close(const std::string& reason) {
  if (state_ == ConnectionState::closed) return;
  auto listener = std::exchange(listener_, nullptr);
  fail(std::make_exception_ptr(ConnectionError(reason)));
  listener_ = std::move(listener);
}

bool PoolConnection::clean() const {
  return (state_ == ConnectionState::idle || state_ == ConnectionState::leased)
         && in_flight_.empty() && PQtransactionStatus(conn_.get()) == PQTRANS_IDLE;
}

void PoolConnection::lease() {
  state_ = ConnectionState::leased;
}

void PoolConnection::release() {
  state_ = ConnectionState::idle;
  idle_since_ = Clock::now();
}

void PoolConnection::check() {
  auto check = std::make_unique<Request>();
  check->kind = Request::Kind::command;
  check->command = "SELECT 1";
  state_ = ConnectionState::checking;
  send(std::move(check));
}

void PoolConnection::retire() {
  state_ = ConnectionState::retiring;
}

}  // namespace cruddur::db
