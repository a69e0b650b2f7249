#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cruddur/core/asio.hpp"
#include "cruddur/db/catalog.hpp"

namespace cruddur::db {
class Pool;
class ReadRouter;
}  // namespace cruddur::db

namespace cruddur::service {

class Changes;
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
  std::optional<Caller> caller;       ///< signed in: the page reads the caller's own writes
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
/// (422 codes), NotFound, cruddur::Error("invalid_json"/"forbidden"), or the pool's DbError. A
/// committed write is never answered with an error for the cache: `changes` takes it from there.
/// Reads tolerate lag and go through `reads` (replicas when allowed; a signed-in caller's reads
/// see the caller's own writes); the first home page, profiles and show pages through `feeds`.
/// Writes go to `pool` (the primary). Thread-safe; the referenced objects must outlive it.
class Activities {
 public:
  /// Resolves every statement it uses; throws db::CatalogError when one is missing. Writes of a
  /// caller without a users row make it with `provisioner` (when given) and are retried once.
  Activities(db::Pool& pool, db::ReadRouter& reads, const db::Catalog& catalog, FeedCache& feeds,
             Changes& changes, UserProvisioner* provisioner = nullptr);

  /// Newest first, expired hidden, keyset-paginated. The first page at the default limit comes
  /// from the feed cache.
  asio::awaitable<FeedPage> home(const PageRequest& page);
  /// `{profile, activities}` of the user with `handle` (cached; shared with the cache).
  asio::awaitable<std::shared_ptr<const std::string>> profile(const std::string& handle);
  /// `{activity, replies}`; replies oldest first (cached; shared with the cache).
  asio::awaitable<std::shared_ptr<const std::string>> show(const std::string& handle,
                                                           const std::string& activity_uuid);
  /// `caller`, when signed in, reads its own writes.
  asio::awaitable<std::string> search(const std::optional<std::string>& term,
                                      const std::optional<Caller>& caller = std::nullopt);
  /// Replies by others to the caller's activities.
  asio::awaitable<std::string> notifications(const Caller& caller);
  /// Body `{message, ttl}`; returns the created activity.
  asio::awaitable<std::string> create(const Caller& caller, std::string_view body);
  /// Body `{message}`; bumps the parent's replies_count in the same transaction.
  asio::awaitable<std::string> reply(const Caller& caller, const std::string& activity_uuid,
                                     std::string_view body);

 private:
  db::Pool& pool_;
  db::ReadRouter& reads_;
  FeedCache& feeds_;
  UserProvisioner* provisioner_;
  Changes& changes_;
  db::StatementId home_, profile_, show_, search_, notifications_, create_, reply_;
};

/// True for the canonical textual form of a UUID (8-4-4-4-12 hex digits).
bool is_uuid(std::string_view text);

}  // namespace cruddur::service
