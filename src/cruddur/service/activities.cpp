// Activities: validation of the original's rules, feeds with keyset cursors, creates and replies.
#include "cruddur/service/activities.hpp"

#include <fmt/format.h>

#include <charconv>
#include <chrono>
#include <utility>
#include <vector>

#include "cruddur/core/base64url.hpp"
#include "cruddur/db/pool.hpp"
#include "cruddur/db/read_router.hpp"
#include "cruddur/service/bodies.hpp"
#include "cruddur/service/change.hpp"
#include "cruddur/service/changes.hpp"
#include "cruddur/service/errors.hpp"
#include "cruddur/service/feed_cache.hpp"
#include "cruddur/service/user_provisioner.hpp"
#include "json_body.hpp"

namespace cruddur::service {
namespace {

constexpr unsigned kDefaultLimit = 20;
constexpr unsigned kMaxLimit = 100;
constexpr const char* kListLimit = "50";

unsigned parse_limit(const std::optional<std::string>& text, std::vector<std::string>& errors) {
  if (!text) return kDefaultLimit;
  unsigned value = 0;
  auto* end = text->data() + text->size();
  auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc{} || ptr != end || value < 1 || value > kMaxLimit) {
    errors.emplace_back("limit_invalid");
    return kDefaultLimit;
  }
  return value;
}

struct Cursor {
  std::string created_at;
  std::string uuid;
};

// The digits of text[at, at + count) as a number; nullopt when any is not a digit.
std::optional<unsigned> digits(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return std::nullopt;
  unsigned value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return value;
}

// A timestamptz as Postgres writes it in JSON, `YYYY-MM-DDTHH:MM:SS[.f{1,6}]±HH:MM`, naming a
// real calendar date: a cursor's time must never make Postgres fail (that would be a 500).
bool is_json_timestamp(std::string_view text) {
  auto year = digits(text, 0, 4);
  auto month = digits(text, 5, 2);
  auto day = digits(text, 8, 2);
  auto hour = digits(text, 11, 2);
  auto minute = digits(text, 14, 2);
  auto second = digits(text, 17, 2);
  if (!year || !month || !day || !hour || !minute || !second || *year == 0) return false;
  if (text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':') {
    return false;
  }
  std::chrono::year_month_day date{std::chrono::year(static_cast<int>(*year)),
                                   std::chrono::month(*month), std::chrono::day(*day)};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 59) return false;
  std::size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    std::size_t fraction = 0;
    while (digits(text, at + 1 + fraction, 1)) ++fraction;
    if (fraction < 1 || fraction > 6) return false;
    at += 1 + fraction;
  }
  if (text.size() != at + 6 || (text[at] != '+' && text[at] != '-') || text[at + 3] != ':') {
    return false;
  }
  auto offset_hours = digits(text, at + 1, 2);
  auto offset_minutes = digits(text, at + 4, 2);
  return offset_hours && offset_minutes && *offset_hours <= 15 && *offset_minutes <= 59;
}

std::optional<Cursor> decode_cursor(const std::string& text) {
  auto raw = core::base64url_decode(text);
  if (!raw) return std::nullopt;
  auto bar = raw->find('|');
  if (bar == std::string::npos || bar == 0 || bar > 64) return std::nullopt;
  Cursor cursor{raw->substr(0, bar), raw->substr(bar + 1)};
  if (!is_json_timestamp(cursor.created_at) || !is_uuid(cursor.uuid)) return std::nullopt;
  return cursor;
}

std::string like_pattern(const std::string& term) {
  std::string pattern = "%";
  for (char c : term) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += '%';
  return pattern;
}

// The statement's cursor parameters: NULL, NULL for the first page (`before_invalid` when the
// cursor is malformed).
db::Params cursor_params(const std::optional<std::string>& before,
                         std::vector<std::string>& errors) {
  if (before) {
    if (auto decoded = decode_cursor(*before)) {
      return {std::move(decoded->created_at), std::move(decoded->uuid)};
    }
    errors.emplace_back("before_invalid");
  }
  return {std::nullopt, std::nullopt};
}

// A page from activities/home's row: the JSON array, and the cursor key of its last row when the
// page is full (the query decides; NULL otherwise).
FeedPage make_page(db::RowSet rows, unsigned limit) {
  FeedPage page;
  page.limit = limit;
  auto& row = rows.rows.at(0);
  if (row.at(1)) page.next = core::base64url_encode(*row[1]);
  page.text = std::make_shared<const std::string>(std::move(row[0]).value_or("[]"));
  page.json = *page.text;
  return page;
}

// The cached form of the first home page: its Link cursor (empty when the page is not full), a
// newline, then the JSON. A cursor is base64url, so the first newline ends it. Computed once per
// load, so that a cached hit does no scanning.
std::string to_cached_page(const FeedPage& page) {
  std::string value;
  value.reserve(page.json.size() + 128);
  value.append(page.next.value_or("")).append("\n").append(page.json);
  return value;
}

// The page views the cached value rather than copying it. (A value without the cursor line was
// written by no version of this server; it is served as it is, without a next page.)
FeedPage from_cached_page(std::shared_ptr<const std::string> value, unsigned limit) {
  FeedPage page;
  page.limit = limit;
  auto newline = value->find('\n');
  if (newline == std::string::npos) {
    page.json = *value;
  } else {
    if (newline > 0) page.next = value->substr(0, newline);
    page.json = std::string_view(*value).substr(newline + 1);
  }
  page.text = std::move(value);
  return page;
}

void require_valid(const std::vector<std::string>& errors) {
  if (!errors.empty()) throw ValidationError(errors);
}

// What a read depends on for read-your-writes (db::ReadRouter): its cache key and, for a
// signed-in caller, the caller's own writes.
std::vector<std::string> depends_on(std::optional<std::string> key,
                                    const std::optional<Caller>& caller) {
  std::vector<std::string> keys;
  if (key) keys.push_back(std::move(*key));
  if (caller) keys.push_back(user_key(caller->cognito_user_id));
  return keys;
}

// The loaders of the cached reads. By-value parameters: a loader's frame must not refer to the
// request that started it (other requests may be waiting on the same load). A cache fill depends
// on its key, so it never stores a page older than the key's last invalidation.
asio::awaitable<std::string> load_first_home_page(db::ReadRouter& reads, db::StatementId home) {
  db::Params params{std::to_string(kDefaultLimit), std::nullopt, std::nullopt};
  auto depends = depends_on(FeedCache::home_key(), std::nullopt);
  auto rows = co_await reads.execute_returning(std::move(depends), home, std::move(params));
  auto page = make_page(std::move(rows), kDefaultLimit);  // named: g++ 12 and temporaries
  co_return to_cached_page(page);
}

asio::awaitable<std::string> query_profile(db::ReadRouter& reads, db::StatementId profile,
                                           std::string handle) {
  db::Params params{handle, kListLimit};
  auto depends = depends_on(FeedCache::profile_key(handle), std::nullopt);
  auto json = co_await reads.query_json_object(std::move(depends), profile, std::move(params));
  if (!json) throw NotFound(fmt::format("no user @{}", handle));
  co_return std::move(*json);
}

asio::awaitable<std::string> query_show(db::ReadRouter& reads, db::StatementId show,
                                        std::string handle, std::string activity_uuid) {
  auto depends = depends_on(FeedCache::show_key(handle, activity_uuid), std::nullopt);
  db::Params params{std::move(handle), std::move(activity_uuid)};
  auto json = co_await reads.query_json_object(std::move(depends), show, std::move(params));
  if (!json) throw NotFound("no such activity");
  co_return std::move(*json);
}

// The single row of a write's `returns: rows` statement, or nullopt when it wrote nothing.
std::optional<std::vector<std::optional<std::string>>> only_row(db::RowSet rows) {
  if (rows.rows.empty()) return std::nullopt;
  return std::move(rows.rows.front());
}

}  // namespace

bool is_uuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

Activities::Activities(db::Pool& pool, db::ReadRouter& reads, const db::Catalog& catalog,
                       FeedCache& feeds, Changes& changes, UserProvisioner* provisioner)
    : pool_(pool),
      reads_(reads),
      feeds_(feeds),
      provisioner_(provisioner),
      changes_(changes),
      home_(catalog.id("activities/home")),
      profile_(catalog.id("activities/profile")),
      show_(catalog.id("activities/show")),
      search_(catalog.id("activities/search")),
      notifications_(catalog.id("activities/notifications")),
      create_(catalog.id("activities/create")),
      reply_(catalog.id("activities/reply")) {}

asio::awaitable<FeedPage> Activities::home(const PageRequest& page) {
  std::vector<std::string> errors;
  auto limit = parse_limit(page.limit, errors);
  if (errors.empty() && limit == kDefaultLimit && !page.before) {
    // The same for every caller (the feed is not personalised), so one cached copy serves all;
    // it holds the Link cursor computed when it was loaded.
    FeedCache::Loader load = [this] { return load_first_home_page(reads_, home_); };
    auto value = co_await feeds_.home(std::move(load));
    co_return from_cached_page(std::move(value), limit);
  }
  auto params = cursor_params(page.before, errors);
  require_valid(errors);
  params.insert(params.begin(), std::to_string(limit));
  auto depends = depends_on(std::nullopt, page.caller);
  auto rows = co_await reads_.execute_returning(std::move(depends), home_, std::move(params));
  co_return make_page(std::move(rows), limit);
}

asio::awaitable<std::shared_ptr<const std::string>> Activities::profile(const std::string& handle) {
  if (is_blank(handle)) throw ValidationError({"user_handle_blank"});
  FeedCache::Loader load = [this, handle] { return query_profile(reads_, profile_, handle); };
  co_return co_await feeds_.profile(handle, std::move(load));
}

asio::awaitable<std::shared_ptr<const std::string>> Activities::show(
    const std::string& handle, const std::string& activity_uuid) {
  if (!is_uuid(activity_uuid)) throw NotFound("no such activity");
  FeedCache::Loader load = [this, handle, activity_uuid] {
    return query_show(reads_, show_, handle, activity_uuid);
  };
  co_return co_await feeds_.show(handle, activity_uuid, std::move(load));
}

asio::awaitable<std::string> Activities::search(const std::optional<std::string>& term,
                                                const std::optional<Caller>& caller) {
  if (is_blank(term)) throw ValidationError({"search_term_blank"});
  db::Params params{like_pattern(*term), kListLimit};
  auto depends = depends_on(std::nullopt, caller);
  co_return co_await reads_.query_json_array(std::move(depends), search_, std::move(params));
}

asio::awaitable<std::string> Activities::notifications(const Caller& caller) {
  db::Params params{caller.cognito_user_id, kListLimit};
  std::optional<Caller> signed_in = caller;
  auto depends = depends_on(std::nullopt, signed_in);
  co_return co_await reads_.query_json_array(std::move(depends), notifications_, std::move(params));
}

asio::awaitable<std::string> Activities::create(const Caller& caller, std::string_view body) {
  auto activity = parse_new_activity(body);
  db::Params params{caller.cognito_user_id, std::move(activity.message),
                    std::move(activity.interval)};
  auto rows = co_await pool_.execute_returning(create_, params);
  auto row = only_row(std::move(rows));
  if (!row && provisioner_ != nullptr && co_await provisioner_->provision(caller)) {
    rows = co_await pool_.execute_returning(create_, std::move(params));
    row = only_row(std::move(rows));
  }
  if (!row) throw Error("forbidden", "this account has no Cruddur user yet");
  // Columns: activity, change. Committed: what it changed is taken care of before the answer.
  co_await changes_.committed(row->at(1).value());
  co_return std::move(row->at(0).value());
}

asio::awaitable<std::string> Activities::reply(const Caller& caller,
                                               const std::string& activity_uuid,
                                               std::string_view body) {
  if (!is_uuid(activity_uuid)) throw NotFound("no such activity");
  auto message = parse_reply(body);
  db::Params params{caller.cognito_user_id, activity_uuid, std::move(message)};
  auto rows = co_await pool_.execute_returning(reply_, params);
  auto row = only_row(std::move(rows));
  if (!row && provisioner_ != nullptr && co_await provisioner_->provision(caller)) {
    rows = co_await pool_.execute_returning(reply_, std::move(params));
    row = only_row(std::move(rows));
  }
  if (!row) throw NotFound("no such activity, or it has expired");
  // Columns: activity, change.
  co_await changes_.committed(row->at(1).value());
  co_return std::move(row->at(0).value());
}

}  // namespace cruddur::service
