#pragma once

#include <string>
#include <string_view>

#include "cruddur/core/asio.hpp"
#include "cruddur/db/catalog.hpp"
#include "cruddur/service/activities.hpp"

namespace cruddur::db {
class Pool;
}

namespace cruddur::service {

/// Users: the short profile and profile updates. Same error contract as Activities; a profile
/// update clears the cached responses that show the profile (FeedCache). `pool` and `feeds` must
/// outlive it.
class Users {
 public:
  /// A profile update of a caller without a users row makes it with `provisioner` (when given)
  /// and is retried once.
  Users(db::Pool& pool, const db::Catalog& catalog, FeedCache& feeds,
        UserProvisioner* provisioner = nullptr);

  /// `{uuid, handle, display_name}`; NotFound for an unknown handle.
  asio::awaitable<std::string> short_profile(const std::string& handle);
  /// Body `{bio, display_name}`; returns the short profile after the update.
  asio::awaitable<std::string> update_profile(const Caller& caller, std::string_view body);

 private:
  db::Pool& pool_;
  FeedCache& feeds_;
  UserProvisioner* provisioner_;
  db::StatementId short_, update_profile_;
};

}  // namespace cruddur::service
