// Users: the short profile and profile updates with the original's validation codes.
#include "cruddur/service/users.hpp"

#include <fmt/format.h>

#include <vector>

#include "cruddur/db/pool.hpp"
#include "cruddur/service/errors.hpp"
#include "cruddur/service/feed_cache.hpp"
#include "json_body.hpp"

namespace cruddur::service {
namespace {

constexpr std::size_t kMaxDisplayName = 100;
constexpr std::size_t kMaxBio = 1024;

}  // namespace

Users::Users(db::Pool& pool, const db::Catalog& catalog, FeedCache& feeds)
    : pool_(pool),
      feeds_(feeds),
      short_(catalog.id("users/short")),
      update_profile_(catalog.id("users/update_profile")) {}

asio::awaitable<std::string> Users::short_profile(const std::string& handle) {
  if (is_blank(handle)) throw ValidationError({"blank_user_handle"});
  db::Params params{handle};
  auto json = co_await pool_.query_json_object(short_, std::move(params));
  if (!json) throw NotFound(fmt::format("no user @{}", handle));
  co_return std::move(*json);
}

asio::awaitable<std::string> Users::update_profile(const Caller& caller, std::string_view body) {
  auto object = parse_object(body);
  std::vector<std::string> errors;
  bool wrong_type = false;
  auto display_name = string_field(object, "display_name", wrong_type);
  if (wrong_type) {
    errors.emplace_back("display_name_invalid");
  } else if (is_blank(display_name)) {
    errors.emplace_back("display_name_blank");
  } else if (code_points(*display_name) > kMaxDisplayName) {
    errors.emplace_back("display_name_exceed_max_chars");
  }
  auto bio = string_field(object, "bio", wrong_type);
  if (wrong_type) {
    errors.emplace_back("bio_invalid");
  } else if (bio && code_points(*bio) > kMaxBio) {
    errors.emplace_back("bio_exceed_max_chars");
  }
  if (!errors.empty()) throw ValidationError(errors);
  db::Params params{caller.cognito_user_id, std::move(bio), std::move(*display_name)};
  auto result = co_await pool_.execute_returning(update_profile_, std::move(params));
  if (result.rows.empty()) throw Error("forbidden", "this account has no Cruddur user yet");
  // Columns: profile, handle. Committed: clear the cached feeds before acknowledging.
  auto& row = result.rows.front();
  auto handle = row.at(1).value();
  co_await feeds_.profile_updated(handle);
  co_return std::move(row.at(0).value());
}

}  // namespace cruddur::service
