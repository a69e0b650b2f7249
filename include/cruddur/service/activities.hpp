#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cruddur/core/asio.hpp"
#include "cruddur/db/catalog.hpp"

namespace cruddur::db {
class Pool;
}

namespace cruddur::service {

class FeedCache;
class UserProvisioner;

/// The authenticated caller: the `sub` of a verified access token (= users.cognito_user_id).
struct Caller {
  std::string cognito_user_id;
  /// The token itself when Cognito issued it (empty for a development token): lets the server
  /// ask Cognito about the caller (UserProvisioner). A secret: never logged.
  std::string cognito_access_token;
};

/// Raw paging input of a feed, as the query string gave it.
struct PageRequest {
  std::optional<std::string> limit;   ///< 1..100, default 20
  std::optional<std::string> before;  ///< opaque cursor from a previous page's `next`
};

/// One page of a feed: the JSON array built by Postgres, and the cursor of the next page when
/// this one is full.
struct FeedPage {
  /// Owns the bytes `json` points into; for the cached first page, shared with the feed cache.
  std::shared_ptr<const std::string> text;
  std::string_view json;
  std::optional<std::string> next;
  unsigned limit = 0;
};

/// Activities (cruds): feeds, search, show, create, reply. Every method throws ValidationError
/// (422 codes), NotFound, cruddur::Error("invalid_json"/"forbidden"), or the pool's DbError;
/// writes also cache::CacheError("cache_invalidation_failed") when the write is committed but the
/// feed cache could not be cleared. The first home page, profiles and show pages are read through
/// `feeds`. Thread-safe; `pool` and `feeds` must outlive it.
class Activities {
 public:
  /// Resolves every statement it uses; throws db::CatalogError when one is missing. Writes of a
  /// caller without a users row make it with `provisioner` (when given) and are retried once.
  Activities(db::Pool& pool, const db::Catalog& catalog, FeedCache& feeds,
             UserProvisioner* provisioner = nullptr);

  /// Newest first, expired hidden, keyset-paginated. The first page at the default limit comes
  /// from the feed cache.
  asio::awaitable<FeedPage> home(const PageRequest& page);
  /// `{profile, activities}` of the user with `handle` (cached; shared with the cache).
  asio::awaitable<std::shared_ptr<const std::string>> profile(const std::string& handle);
  /// `{activity, replies}`; replies oldest first (cached; shared with the cache).
  asio::awaitable<std::shared_ptr<const std::string>> show(const std::string& handle,
                                                           const std::string& activity_uuid);
  asio::awaitable<std::string> search(const std::optional<std::string>& term);
  /// Replies by others to the caller's activities.
  asio::awaitable<std::string> notifications(const Caller& caller);
  /// Body `{message, ttl}`; returns the created activity.
  asio::awaitable<std::string> create(const Caller& caller, std::string_view body);
  /// Body `{message}`; bumps the parent's replies_count in the same transaction.
  asio::awaitable<std::string> reply(const Caller& caller, const std::string& activity_uuid,
                                     std::string_view body);

 private:
  db::Pool& pool_;
  FeedCache& feeds_;
  UserProvisioner* provisioner_;
  db::StatementId home_, profile_, show_, search_, notifications_, create_, reply_;
};

/// True for the canonical textual form of a UUID (8-4-4-4-12 hex digits).
bool is_uuid(std::string_view text);

}  // namespace cruddur::service
