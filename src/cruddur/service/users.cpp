// Users: the short profile and profile updates with the original's validation codes.
#include "cruddur/service/users.hpp"

#include <fmt/format.h>

#include <vector>

#include "cruddur/db/pool.hpp"
#include "cruddur/service/bodies.hpp"
#include "cruddur/service/errors.hpp"
#include "cruddur/service/feed_cache.hpp"
#include "cruddur/service/user_provisioner.hpp"
#include "json_body.hpp"

namespace cruddur::service {
Users::Users(db::Pool& pool, const db::Catalog& catalog, FeedCache& feeds,
             UserProvisioner* provisioner)
    : pool_(pool),
      feeds_(feeds),
      provisioner_(provisioner),
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
  auto update = parse_profile_update(body);
  db::Params params{caller.cognito_user_id, std::move(update.bio), std::move(update.display_name)};
  auto result = co_await pool_.execute_returning(update_profile_, params);
  if (result.rows.empty() && provisioner_ != nullptr && co_await provisioner_->provision(caller)) {
    result = co_await pool_.execute_returning(update_profile_, std::move(params));
  }
  if (result.rows.empty()) throw Error("forbidden", "this account has no Cruddur user yet");
  // Columns: profile, handle. Committed: clear the cached feeds before acknowledging.
  auto& row = result.rows.front();
  auto handle = row.at(1).value();
  co_await feeds_.profile_updated(handle);
  co_return std::move(row.at(0).value());
}

}  // namespace cruddur::service
