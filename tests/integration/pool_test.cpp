// Integration tests of the async pool and the SQL catalog against a real PostgreSQL 15.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cruddur/db/errors.hpp"
#include "pg_fixture.hpp"

namespace cruddur::db::testing {
namespace {

using std::chrono::milliseconds;

const Params kFirstPage{"20", "infinity", "ffffffff-ffff-ffff-ffff-ffffffffffff"};

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The output of `psql -XAtq` for `EXECUTE` of the statement prepared with `sql`.
std::string psql(const std::string& url, const std::string& sql, const std::string& execute) {
  ConnInfo info(url);
  ::setenv("PGPASSWORD", info.get("password").c_str(), 1);  // not on the command line
  ::setenv("PGTZ", "UTC", 1);  // the pool's session setting, whatever the cluster's default
  std::string command = "psql -XAtq -v ON_ERROR_STOP=1 -d " + shell_quote(info.without_password())
                        + " -c " + shell_quote("PREPARE s AS " + sql) + " -c "
                        + shell_quote("EXECUTE s" + execute);
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
  std::string out;
  char buffer[4096];
  while (auto n = std::fread(buffer, 1, sizeof buffer, pipe.get())) out.append(buffer, n);
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// activities/home's page: the JSON array of its one row (the second column is the cursor key).
asio::awaitable<std::string> home_json(Pool& pool, StatementId home, Params params) {
  auto rows = co_await pool.execute_returning(home, std::move(params));
  co_return rows.rows.at(0).at(0).value();
}

void add_activities(const std::string& url) {
  auto connection = Connection::open(url);
  connection.exec(
      "INSERT INTO activities (user_uuid, message, expires_at, created_at) "
      "SELECT (SELECT uuid FROM users WHERE handle = 'londo'), "
      "       format('crud %s: \"quoted\" \\ back – ünïcødé ✓', n), now() + interval '1 day', "
      "       now() - n * interval '1 minute' FROM generate_series(1, 30) AS n;"
      "INSERT INTO activities (user_uuid, message, expires_at, created_at) "
      "SELECT uuid, 'expired', now() - interval '1 minute', now() - interval '2 minutes' "
      "FROM users WHERE handle = 'bayko'");
}

template <typename Error>
bool throws_code(const std::function<void()>& action, const std::string& code) {
  try {
    action();
  } catch (const Error& error) {
    return error.code() == code;
  }
  return false;
}

TEST_F(PgTest, EveryCatalogStatementPreparesOnAFreshSchema) {
  auto connection = Connection::open(url_);
  for (std::size_t i = 0; i < catalog_->statements().size(); ++i) {
    const auto& statement = catalog_->statements()[i];
    EXPECT_NO_THROW(connection.exec("PREPARE s" + std::to_string(i) + " AS " + statement.sql))
        << statement.name;
  }
  auto& pool = make_pool(options());
  EXPECT_EQ(run(pool.query_json_object(id("users/short"), {"andrewbrown"})).value_or(""),
            R"({"uuid":"6f1b3a2e-0c3e-4d1a-9a57-0d6a2c3f0001","handle":"andrewbrown",)"
            R"("display_name":"Andrew Brown"})");
  EXPECT_EQ(settled(pool).idle, 4U);
}

TEST_F(PgTest, ACatalogThatDoesNotMatchTheSchemaFailsFastNamingTheStatement) {
  Connection::open(url_).exec("DROP TABLE activities");
  auto& pool = make_pool(options(2));
  try {
    run(pool.query_json_object(id("users/short"), {"londo"}));
    ADD_FAILURE() << "the pool served a catalog that cannot be prepared";
  } catch (const UndefinedObject& error) {
    EXPECT_NE(std::string(error.what()).find("preparing activities/"), std::string::npos)
        << error.what();
    EXPECT_EQ(error.sqlstate(), "42P01");
  }
  EXPECT_GE(pool.stats().connect_failures, 1U);
  EXPECT_EQ(pool.stats().idle, 0U);
}

TEST_F(PgTest, SessionsRunInUtcAsCruddurWithTheStatementTimeout) {
  auto options = this->options(1);
  options.statement_timeout = milliseconds(1234);
  auto& pool = make_pool(options);
  auto session = nlohmann::json::parse(run(pool.query_json_object(id("test/backend"))).value());
  EXPECT_EQ(session["time_zone"], "UTC");
  EXPECT_EQ(session["application_name"], "cruddur");
  EXPECT_EQ(session["statement_timeout"], "1234ms");

  // An application_name in the URL wins; an options value in the URL is kept beside ours.
  options.url = url_ + " application_name=custom options='-c work_mem=1234kB'";
  auto& custom = make_pool(options);
  session = nlohmann::json::parse(run(custom.query_json_object(id("test/backend"))).value());
  EXPECT_EQ(session["application_name"], "custom");
  EXPECT_EQ(session["work_mem"], "1234kB");
  EXPECT_EQ(session["time_zone"], "UTC");
}

TEST_F(PgTest, AFailedStatementInATransactionRollsItBack) {
  auto& pool = make_pool(options(1));
  auto transaction = run(pool.begin());
  EXPECT_EQ(run(transaction.execute(id("users/update_bio"), {"londo", "changed"})), 1);
  EXPECT_THROW(run(transaction.execute_returning(
                   id("users/create"), {"Twin", "londo", "twin@example.com", "MOCK-twin"})),
               UniqueViolation);
  try {
    run(transaction.commit());
    ADD_FAILURE() << "COMMIT of a failed transaction reported success";
  } catch (const SqlError& error) {
    EXPECT_EQ(error.sqlstate(), "25P02");
  }
  EXPECT_THROW(run(transaction.commit()), Error) << "the transaction is finished";

  auto check = Connection::open(url_);
  EXPECT_TRUE(check.exec("SELECT bio FROM users WHERE handle = 'londo'").is_null(0, 0));
  EXPECT_TRUE(run(pool.query_json_object(id("users/short"), {"londo"})).has_value());
  auto stats = settled(pool);
  EXPECT_EQ(stats.idle, 1U);
  EXPECT_EQ(stats.discards, (std::array<std::uint64_t, kDiscardReasons>{}))
      << "a transaction that ended cleanly gives its connection back";
}

TEST_F(PgTest, JsonIsByteIdenticalToPsql) {
  add_activities(url_);
  auto& pool = make_pool(options());
  const auto& home = catalog_->at(id("activities/home"));
  auto first = run(pool.execute_returning(id("activities/home"), kFirstPage));
  ASSERT_EQ(first.rows.size(), 1U);
  auto feed = first.rows[0].at(0).value();
  auto cursor_key = first.rows[0].at(1).value();  // a full page has a next one
  EXPECT_EQ(feed + "|" + cursor_key,
            psql(url_, home.sql, "(20, 'infinity', 'ffffffff-ffff-ffff-ffff-ffffffffffff')"));
  EXPECT_EQ(run(home_json(pool, id("activities/home"), {"20", std::nullopt, std::nullopt})), feed)
      << "a NULL cursor is the first page";
  auto rows = nlohmann::json::parse(feed);
  ASSERT_EQ(rows.size(), 20U);
  EXPECT_NE(feed.find("+00:00"), std::string::npos) << "timestamps carry the UTC offset";
  EXPECT_EQ(feed.find("\"expired\""), std::string::npos) << "expired cruds are hidden";
  for (std::size_t i = 1; i < rows.size(); ++i) {
    EXPECT_GE(rows[i - 1]["created_at"].get<std::string>(),
              rows[i]["created_at"].get<std::string>());
  }

  // The next page starts strictly after the cursor of the last row.
  const auto& last = rows.back();
  EXPECT_EQ(cursor_key,
            last["created_at"].get<std::string>() + "|" + last["uuid"].get<std::string>())
      << "the cursor key is the last row's, as its JSON writes it";
  auto next = nlohmann::json::parse(run(
      home_json(pool, id("activities/home"),
                {"20", last["created_at"].get<std::string>(), last["uuid"].get<std::string>()})));
  EXPECT_EQ(next.size(), 12U);  // 30 + 2 seed activities, 20 on the first page
  EXPECT_EQ(run(home_json(pool, id("activities/home"), {"20", "-infinity", kFirstPage[2]})), "[]");

  const auto& short_profile = catalog_->at(id("users/short"));
  EXPECT_EQ(run(pool.query_json_object(id("users/short"), {"londo"})).value(),
            psql(url_, short_profile.sql, "('londo')"));
  EXPECT_FALSE(run(pool.query_json_object(id("users/short"), {"nobody"})).has_value())
      << "no row is absent, not {}";
}

TEST_F(PgTest, TwoHundredConcurrentQueriesOnAPoolOfFour) {
  add_activities(url_);
  auto& pool = make_pool(options(4));
  auto expected = run(home_json(pool, id("activities/home"), kFirstPage));
  std::atomic<int> matches{0};
  std::atomic<int> failures{0};
  std::vector<std::future<void>> done;
  for (int i = 0; i < 200; ++i) {
    done.push_back(asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
          try {
            auto feed = co_await home_json(pool, id("activities/home"), kFirstPage);
            if (feed == expected) ++matches;
          } catch (const std::exception&) {
            ++failures;
          }
        },
        asio::use_future));
  }
  for (auto& future : done) future.get();
  EXPECT_EQ(matches, 200);
  EXPECT_EQ(failures, 0);
  auto stats = settled(pool);
  EXPECT_EQ(stats.idle, 4U);
  EXPECT_EQ(stats.busy, 0U);
  EXPECT_EQ(stats.reconnects, 0U);
  EXPECT_GE(stats.requests, 201U);
}

// The pool never runs its callers' code: a caller resumes on its own executor, outside the pool's
// strand. Here the first caller's continuation blocks its io thread until a second query, started
// from that continuation, has been answered by the other io thread. Were the caller resumed inside
// the strand (asio::dispatch from the strand's handler), the strand would stay busy while it
// blocks, so the second query could never be submitted: the wait would run into its deadline.
TEST_F(PgTest, CallersResumeOutsideThePoolsStrand) {
  auto& pool = make_pool(options(1));
  auto short_profile = id("users/short");
  auto first = asio::co_spawn(
      io_,
      [&]() -> asio::awaitable<bool> {
        Params londo{"londo"};  // named: g++ 12 miscompiles braced lists inside co_await
        co_await pool.query_json_object(short_profile, std::move(londo));
        Params bayko{"bayko"};
        auto second = asio::co_spawn(io_, pool.query_json_object(short_profile, std::move(bayko)),
                                     asio::use_future);
        co_return second.wait_for(std::chrono::seconds(20))
            == std::future_status::ready&& second.get().has_value();
      },
      asio::use_future);
  EXPECT_TRUE(first.get()) << "the second query was not answered while the first caller's "
                              "continuation held its thread";
}

// Issue 14 item 6: a refused connection is classified by what libpq tells besides words — the
// server's SQLSTATE, a password it lacked, the phase that failed — and its message reads as libpq
// writes it by default (no SQLSTATE prefix, no LOCATION line).
TEST_F(PgTest, ConnectFailuresAreClassifiedBySqlstateAndPhase) {
  struct Case {
    std::string url;
    ConnectFailure failure;
    std::string sqlstate;
  };
  ConnInfo admin(url_);
  std::vector<Case> cases{
      {ConnInfo(admin.without_password() + " password=wrong-9913").with_database(database_),
       ConnectFailure::auth_failed, "28P01"},
      {admin.with_database(database_ + "_missing"), ConnectFailure::database_missing, "3D000"},
      {admin.without_password() + " port=1", ConnectFailure::unreachable, ""}};
  for (const auto& each : cases) {
    try {
      Connection::open(each.url);
      ADD_FAILURE() << "connected to " << ConnInfo(each.url).display();
    } catch (const ConnectionError& error) {
      EXPECT_EQ(error.failure(), each.failure) << error.what();
      EXPECT_EQ(error.sqlstate(), each.sqlstate) << error.what();
      std::string message = error.what();
      EXPECT_EQ(message.find("LOCATION"), std::string::npos) << message;
      if (!each.sqlstate.empty()) {
        EXPECT_EQ(message.find(each.sqlstate + ":"), std::string::npos) << message;
      }
    }
  }
  // The pool's own connection attempts say the same.
  auto options = this->options(1);
  options.url = admin.with_database(database_ + "_missing");
  auto& pool = make_pool(options);
  try {
    run(pool.query_json_object(id("users/short"), {"londo"}));
    ADD_FAILURE() << "the pool answered from a missing database";
  } catch (const ConnectionError& error) {
    EXPECT_EQ(error.failure(), ConnectFailure::database_missing) << error.what();
    EXPECT_EQ(error.sqlstate(), "3D000") << error.what();
  }
}

TEST_F(PgTest, ExhaustionTimesOutThenRecovers) {
  auto options = this->options(2);
  options.acquire_timeout = milliseconds(200);
  auto& pool = make_pool(options);
  auto first = run(pool.begin());
  auto second = run(pool.begin());
  EXPECT_EQ(pool.stats().busy, 2U);
  EXPECT_TRUE(throws_code<PoolTimeout>(
      [&] { run(pool.query_json_object(id("users/short"), {"londo"})); }, "pool_timeout"));
  EXPECT_EQ(pool.stats().acquire_timeouts, 1U);

  // Work done inside the transactions is visible only after commit; rollback undoes it.
  EXPECT_EQ(run(first.execute(id("users/update_bio"), {"londo", "Ambassador"})), 1);
  EXPECT_EQ(run(second.execute(id("users/update_bio"), {"bayko", "Never seen"})), 1);
  run(first.commit());
  run(second.rollback());
  auto check = Connection::open(url_);
  EXPECT_EQ(check.exec("SELECT bio FROM users WHERE handle = 'londo'").one_field(), "Ambassador");
  EXPECT_TRUE(check.exec("SELECT bio FROM users WHERE handle = 'bayko'").is_null(0, 0));

  EXPECT_TRUE(run(pool.query_json_object(id("users/short"), {"londo"})).has_value());
  auto stats = settled(pool);
  EXPECT_EQ(stats.idle, 2U);
  EXPECT_EQ(stats.discards, (std::array<std::uint64_t, kDiscardReasons>{}));
}

TEST_F(PgTest, AnAbandonedTransactionIsDiscardedNotReused) {
  auto& pool = make_pool(options(1));
  {
    auto transaction = run(pool.begin());
    EXPECT_EQ(run(transaction.execute(id("users/update_bio"), {"londo", "lost"})), 1);
  }
  EXPECT_TRUE(run(pool.query_json_object(id("users/short"), {"londo"})).has_value());
  auto stats = settled(pool);
  EXPECT_EQ(stats.discards[static_cast<std::size_t>(DiscardReason::abandoned_transaction)], 1U);
  EXPECT_EQ(stats.reconnects, 1U);
  auto check = Connection::open(url_);
  EXPECT_TRUE(check.exec("SELECT bio FROM users WHERE handle = 'londo'").is_null(0, 0));
}

TEST_F(PgTest, KilledConnectionsFailFastThenThePoolReconnects) {
  add_activities(url_);
  auto& pool = make_pool(options(4));
  run(home_json(pool, id("activities/home"), kFirstPage));
  ASSERT_EQ(settled(pool).idle, 4U);

  std::atomic<int> completed{0};
  std::atomic<bool> stop{false};
  std::atomic<int> connection_errors{0};
  std::atomic<int> other_errors{0};
  std::vector<std::future<void>> workers;
  for (int i = 0; i < 200; ++i) {
    workers.push_back(asio::co_spawn(
        io_,
        [&]() -> asio::awaitable<void> {
          while (!stop) {
            try {
              co_await home_json(pool, id("activities/home"), kFirstPage);
            } catch (const ConnectionError&) {
              ++connection_errors;
            } catch (const std::exception&) {
              ++other_errors;
            }
            ++completed;
          }
        },
        asio::use_future));
  }
  while (completed < 500) std::this_thread::sleep_for(milliseconds(1));
  EXPECT_EQ(terminate_pool_sessions(), 4);
  int after_kill = completed + 2000;
  while (completed < after_kill) std::this_thread::sleep_for(milliseconds(1));
  stop = true;
  for (auto& worker : workers) worker.get();

  EXPECT_EQ(other_errors, 0) << "a lost connection is reported as ConnectionError";
  EXPECT_TRUE(run(pool.query_json_object(id("users/short"), {"londo"})).has_value());
  auto stats = settled(pool);
  EXPECT_EQ(stats.idle, 4U);
  EXPECT_EQ(stats.busy, 0U);
  EXPECT_EQ(stats.reconnects, 4U);
  EXPECT_EQ(stats.discards[static_cast<std::size_t>(DiscardReason::broken)], 4U);
}

TEST_F(PgTest, ConnectionsRetireAfterTheirLifetimeAndAreCheckedWhenIdle) {
  auto options = this->options(2);
  options.max_lifetime = milliseconds(300);
  options.idle_check_after = milliseconds(50);
  auto& pool = make_pool(options);
  const auto lifetime = static_cast<std::size_t>(DiscardReason::lifetime);
  for (int i = 0; i < 2000 && pool.stats().discards[lifetime] < 2; ++i) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_GE(pool.stats().discards[lifetime], 2U);

  auto admin = Connection::open(admin_url_);
  bool checked = false;
  for (int i = 0; i < 2000 && !checked; ++i) {
    checked = admin
                  .exec_params(
                      "SELECT count(*) FROM pg_stat_activity WHERE datname = $1 AND "
                      "application_name = 'cruddur' AND query = 'SELECT 1'",
                      {database_})
                  .one_field()
              != "0";
    if (!checked) std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_TRUE(checked) << "no liveness check reached the server";
  EXPECT_TRUE(run(pool.query_json_object(id("users/short"), {"londo"})).has_value());
  auto stats = settled(pool);
  EXPECT_EQ(stats.idle, 2U);
  EXPECT_EQ(stats.discards[static_cast<std::size_t>(DiscardReason::broken)], 0U);
}

TEST_F(PgTest, CloseLeavesNoWorkSoTheIoContextStops) {
  asio::io_context io;
  Pool pool(io.get_executor(), *catalog_, options(2));
  auto first =
      asio::co_spawn(io, pool.query_json_object(id("users/short"), {"londo"}), asio::use_future);
  std::thread runner([&io] { io.run(); });  // no work guard: returns when the pool is idle-free
  EXPECT_TRUE(first.get().has_value());
  pool.close();
  runner.join();  // hangs (and the test times out) if the pool left a timer or a wait behind
  auto stats = pool.stats();
  EXPECT_EQ(stats.idle + stats.busy, 0U);
  EXPECT_EQ(stats.discards[static_cast<std::size_t>(DiscardReason::closed)], 2U);
}

TEST_F(PgTest, StatementTimeoutIsHonoured) {
  auto options = this->options(1);
  options.statement_timeout = milliseconds(100);
  auto& pool = make_pool(options);
  EXPECT_TRUE(throws_code<QueryCanceled>([&] { run(pool.query_value(id("test/sleep"), {"30"})); },
                                         "query_canceled"));
  EXPECT_EQ(run(pool.query_value(id("test/sleep"), {"0"})).value_or("?"), "");
  auto stats = settled(pool);
  EXPECT_EQ(stats.idle, 1U);
  EXPECT_EQ(stats.reconnects, 0U) << "a canceled statement leaves the connection usable";
}

// Issue 13 item 3: DB_PREPARED=off, as through a transaction pooler. The database's own default
// time zone is not UTC, so only the statement's own settings can make the answers identical to
// the prepared pool's; nothing is prepared; the statement timeout is the server's (its message,
// not the pool's "queued behind" answer); errors stay typed and transactions work.
TEST_F(PgTest, UnpreparedStatementsCarryTheirOwnSettingsAndAnswerAsPreparedOnes) {
  add_activities(url_);
  Connection::open(url_).exec(
      "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone = %L', current_database(), "
      "'Asia/Kathmandu'); END $$");
  auto& prepared = make_pool(options(1));
  auto unprepared_options = options(2);
  unprepared_options.prepared = false;
  unprepared_options.statement_timeout = milliseconds(1234);
  auto& unprepared = make_pool(unprepared_options);

  auto session =
      nlohmann::json::parse(run(unprepared.query_json_object(id("test/backend"))).value());
  EXPECT_EQ(session["time_zone"], "UTC");
  EXPECT_EQ(session["statement_timeout"], "1234ms");
  EXPECT_EQ(session["application_name"], "cruddur");
  auto unprepared_home = run(unprepared.execute_returning(id("activities/home"), kFirstPage));
  auto prepared_home = run(prepared.execute_returning(id("activities/home"), kFirstPage));
  ASSERT_EQ(unprepared_home.rows.size(), 1U);
  ASSERT_EQ(prepared_home.rows.size(), 1U);
  auto feed = unprepared_home.rows[0].at(0).value();
  EXPECT_EQ(feed, prepared_home.rows[0].at(0).value());
  EXPECT_EQ(unprepared_home.rows[0].at(1), prepared_home.rows[0].at(1));  // the cursor key
  EXPECT_NE(feed.find("+00:00"), std::string::npos) << feed;
  EXPECT_EQ(run(unprepared.query_json_object(id("users/short"), {"londo"})),
            run(prepared.query_json_object(id("users/short"), {"londo"})));
  // Without its settings the same session would answer in the database's zone.
  auto zone = Connection::open(url_).exec("SELECT current_setting('TimeZone')");
  EXPECT_EQ(std::string(zone.one_field()), "Asia/Kathmandu");

  EXPECT_THROW(run(unprepared.execute_returning(
                   id("users/create"), {"Twin", "londo", "twin@example.com", "MOCK-twin"})),
               UniqueViolation);
  auto transaction = run(unprepared.begin());
  EXPECT_EQ(run(transaction.execute(id("users/update_bio"), {"londo", "unprepared"})), 1);
  run(transaction.commit());
  EXPECT_EQ(
      std::string(
          Connection::open(url_).exec("SELECT bio FROM users WHERE handle = 'londo'").one_field()),
      "unprepared");

  auto impatient_options = options(1);
  impatient_options.prepared = false;
  impatient_options.statement_timeout = milliseconds(100);
  auto& impatient = make_pool(impatient_options);
  try {
    run(impatient.query_value(id("test/sleep"), {"30"}));
    ADD_FAILURE() << "a 30 s sleep was not canceled";
  } catch (const QueryCanceled& error) {
    EXPECT_EQ(std::string(error.what()).find("queued behind"), std::string::npos)
        << "the pool answered, not the server's statement timeout: " << error.what();
  }
  EXPECT_EQ(run(impatient.query_value(id("test/sleep"), {"0"})).value_or("?"), "");
  auto stats = settled(impatient);
  EXPECT_EQ(stats.reconnects, 0U);
  EXPECT_EQ(Connection::open(url_)
                .exec("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%pg_sleep%' "
                      "AND state = 'active' AND pid <> pg_backend_pid()")
                .one_field(),
            std::string_view("0"));
}

// One connection; another session holds the feed's table, so every read of it waits inside
// Postgres until the server's statement timeout cancels it. Three reads and a write go into the
// connection's pipeline (in whatever order the io_context's two threads submit them): the read at
// the head is canceled by the server after 1 s; the two queued behind it are answered by the pool
// at 1.1 s, not at 2 s and 3 s as the server would; the write is not answered early (a timeout
// on a write must mean "not stored"): it waits for its turn and is stored.
TEST_F(PgTest, ReadsQueuedBehindSlowStatementsAreAnsweredAtTheStatementTimeout) {
  auto options = this->options(1);
  options.statement_timeout = milliseconds(1000);
  auto& pool = make_pool(options);
  ASSERT_TRUE(run(home_json(pool, id("activities/home"), kFirstPage)).size() > 2);
  auto locker = Connection::open(url_);
  locker.exec("BEGIN");
  locker.exec("LOCK TABLE activities IN ACCESS EXCLUSIVE MODE");

  auto read = [&pool, this]() -> asio::awaitable<std::string> {
    try {
      co_await home_json(pool, id("activities/home"), kFirstPage);
      co_return "answered";
    } catch (const QueryCanceled& error) {
      co_return error.what();
    }
  };
  std::vector<std::future<std::string>> reads;
  for (int i = 0; i < 3; ++i) reads.push_back(asio::co_spawn(io_, read(), asio::use_future));
  auto write = asio::co_spawn(io_, pool.execute(id("users/update_bio"), {"londo", "queued"}),
                              asio::use_future);
  // The head read may be answered by either (the server's 1 s count starts when Postgres starts
  // it, the pool's 1.1 s when it was sent); the two behind it are the pool's, 0.9 s before the
  // server would answer the first of them.
  int queued = 0;
  for (auto& future : reads) {
    auto answer = future.get();
    EXPECT_NE(answer.find("canceling statement due to statement timeout"), std::string::npos)
        << answer;
    if (answer.find("still queued behind other statements") != std::string::npos) ++queued;
  }
  EXPECT_GE(queued, 2) << "reads queued behind the head waited for the server";
  EXPECT_EQ(write.get(), 1) << "the write waited for the server's answer";
  locker.exec("ROLLBACK");

  // The dropped results were consumed: the same connection serves the next read.
  EXPECT_GT(run(home_json(pool, id("activities/home"), kFirstPage)).size(), 2U);
  auto check = Connection::open(url_);
  EXPECT_EQ(check.exec("SELECT bio FROM users WHERE handle = 'londo'").one_field(), "queued");
  auto stats = settled(pool);
  EXPECT_EQ(stats.idle, 1U);
  EXPECT_EQ(stats.reconnects, 0U);
}

TEST_F(PgTest, InjectionStringsRoundTripAsData) {
  auto& pool = make_pool(options(2));
  const std::vector<std::string> hostile{
      "'; DROP TABLE users; --",
      "Robert'); DROP TABLE activities;--",
      "$1 $2 :name ? %s {} \\ \\\\ \\x41 E'\\n'",
      "\" OR 1=1 --",
      "$$ dollar $$ $tag$ quoted $tag$",
      "/* comment */ -- line\nnewline\ttab",
      "ünïcødé ✓ 😀 \u2028",
  };
  for (const auto& text : hostile) {
    auto object = run(pool.query_json_object(id("test/echo"), {text}));
    ASSERT_TRUE(object.has_value());
    EXPECT_EQ(nlohmann::json::parse(*object)["value"], text);
    EXPECT_FALSE(run(pool.query_json_object(id("users/short"), {text})).has_value());
  }
  auto created = run(pool.execute_returning(id("users/create"),
                                            {hostile[0], "hostile", "h@example.com", hostile[1]}));
  ASSERT_EQ(created.rows.size(), 1U);
  EXPECT_EQ(created.columns, (std::vector<std::string>{"uuid", "handle"}));
  EXPECT_EQ(created.rows[0][1], "hostile");
  auto check = Connection::open(url_);
  EXPECT_EQ(check.exec("SELECT display_name FROM users WHERE handle = 'hostile'").one_field(),
            hostile[0]);
  EXPECT_EQ(check.exec("SELECT count(*) FROM activities").one_field(), "2");
}

TEST_F(PgTest, WritesReportTypedErrorsAndAffectedRows) {
  auto& pool = make_pool(options(2));
  EXPECT_EQ(run(pool.execute(id("users/update_bio"), {"londo", "hi"})), 1);
  EXPECT_EQ(run(pool.execute(id("users/update_bio"), {"nobody", "hi"})), 0);
  EXPECT_TRUE(throws_code<UniqueViolation>(
      [&] {
        run(pool.execute_returning(id("users/create"),
                                   {"Twin", "londo", "twin@example.com", "MOCK-twin"}));
      },
      "unique_violation"));
  EXPECT_TRUE(throws_code<CheckViolation>(
      [&] {
        run(pool.execute_returning(id("activities/create"),
                                   {"MOCK-londo", std::string(281, 'x'), "1 day"}));
      },
      "check_violation"));
  EXPECT_TRUE(throws_code<DataError>(
      [&] {
        run(pool.execute_returning(id("activities/create"), {"MOCK-londo", "hi", "soon"}));
      },
      "data_error"));
  auto created =
      run(pool.execute_returning(id("activities/create"), {"MOCK-londo", "hello", "1 day"}));
  EXPECT_EQ(created.columns, (std::vector<std::string>{"activity", "change"}));
  ASSERT_EQ(created.rows.size(), 1U);
  EXPECT_EQ(nlohmann::json::parse(created.rows[0][0].value())["message"], "hello");
  EXPECT_EQ(nlohmann::json::parse(created.rows[0][1].value())["author"], "londo");
  EXPECT_TRUE(run(pool.execute_returning(id("activities/create"), {"MOCK-nobody", "hi", "1 day"}))
                  .rows.empty());
  EXPECT_TRUE(throws_code<Error>([&] { run(pool.query_json_array(id("users/short"), {"x"})); },
                                 "catalog_misuse"));
  EXPECT_TRUE(throws_code<Error>([&] { run(pool.query_json_object(id("users/short"), {})); },
                                 "catalog_misuse"));
  auto stats = settled(pool);
  EXPECT_EQ(stats.reconnects, 0U) << "SQL errors leave the connection usable";
}

TEST_F(PgTest, WritesReturnWhatTheFeedCacheInvalidates) {
  auto& pool = make_pool(options(2));
  auto json_uuid = [](const RowSet& rows) {
    return nlohmann::json::parse(rows.rows.at(0).at(0).value()).at("uuid").get<std::string>();
  };
  // The `change` column: what the write changed (docs/scaling.md), also sent with NOTIFY.
  auto change = [](const RowSet& rows) {
    return nlohmann::json::parse(rows.rows.at(0).at(1).value());
  };
  auto parent =
      run(pool.execute_returning(id("activities/create"), {"MOCK-altbrown", "parent", "1 day"}));
  auto parent_uuid = json_uuid(parent);
  auto reply =
      run(pool.execute_returning(id("activities/reply"), {"MOCK-londo", parent_uuid, "child"}));
  EXPECT_EQ(reply.columns, (std::vector<std::string>{"activity", "change"}));
  ASSERT_EQ(reply.rows.size(), 1U);
  auto replied = change(reply);
  EXPECT_EQ(replied["write"], "reply");
  EXPECT_EQ(replied["user"], "MOCK-londo");
  EXPECT_EQ(replied["author"], "londo");
  EXPECT_EQ(replied["parent_uuid"], parent_uuid);
  EXPECT_EQ(replied["parent_author"], "altbrown");
  EXPECT_TRUE(replied["grandparent_uuid"].is_null()) << "the parent is not a reply";
  EXPECT_TRUE(replied["grandparent_author"].is_null());
  EXPECT_NE(replied["xid"], change(parent)["xid"]) << "each write names its own transaction";
  auto child_uuid = json_uuid(reply);
  auto nested =
      run(pool.execute_returning(id("activities/reply"), {"MOCK-bayko", child_uuid, "grandchild"}));
  ASSERT_EQ(nested.rows.size(), 1U);
  auto nested_change = change(nested);
  EXPECT_EQ(nested_change["author"], "bayko");
  EXPECT_EQ(nested_change["parent_uuid"], child_uuid);
  EXPECT_EQ(nested_change["parent_author"], "londo");
  EXPECT_EQ(nested_change["grandparent_uuid"], parent_uuid);
  EXPECT_EQ(nested_change["grandparent_author"], "altbrown");
  EXPECT_TRUE(
      run(pool.execute_returning(id("activities/reply"),
                                 {"MOCK-londo", "0a7c5d84-7d1e-4b8e-8f0e-5e1d2c3bffff", "x"}))
          .rows.empty());

  auto updated =
      run(pool.execute_returning(id("users/update_profile"), {"MOCK-londo", "bio", "Londo M"}));
  EXPECT_EQ(updated.columns, (std::vector<std::string>{"profile", "change"}));
  ASSERT_EQ(updated.rows.size(), 1U);
  EXPECT_EQ(change(updated)["write"], "profile");
  EXPECT_EQ(change(updated)["author"], "londo");
  auto profile = nlohmann::json::parse(updated.rows[0][0].value());
  EXPECT_EQ(profile.at("display_name"), "Londo M");
  EXPECT_EQ(profile.size(), 3U) << profile;
  EXPECT_TRUE(run(pool.execute_returning(id("users/update_profile"), {"MOCK-nobody", "b", "N"}))
                  .rows.empty());
}

}  // namespace
}  // namespace cruddur::db::testing
