#pragma once

#include "cruddur/core/asio.hpp"
#include "cruddur/db/catalog.hpp"
#include "cruddur/service/activities.hpp"

namespace cruddur::aws {
class CognitoIdentityProvider;
}
namespace cruddur::db {
class Pool;
}

namespace cruddur::service {

/// Makes the `users` row of a signed-in user whose post-confirmation Lambda did not run (or
/// failed, or a local Cognito that runs no trigger): their attributes from Cognito's GetUser with
/// their own access token, inserted by the Lambda's own statement (`users/create_from_cognito`,
/// idempotent with it). Throws cruddur::Error `cognito_unavailable` when Cognito cannot be
/// reached (503), aws::AuthError when Cognito refuses the token (401), `forbidden` when the
/// account lacks an attribute the row needs, or the pool's DbError (a handle taken by another
/// user is a unique_violation). Thread-safe; `pool` and `cognito` must outlive it.
class UserProvisioner {
 public:
  UserProvisioner(db::Pool& pool, const db::Catalog& catalog,
                  aws::CognitoIdentityProvider& cognito);

  /// Creates the caller's row when it is missing: true when it did (the caller then retries
  /// what failed for want of it), false when the row exists or the caller signed in with a
  /// development token (nothing to ask Cognito).
  asio::awaitable<bool> provision(const Caller& caller);

 private:
  db::Pool& pool_;
  aws::CognitoIdentityProvider& cognito_;
  db::StatementId by_cognito_id_, create_from_cognito_;
};

}  // namespace cruddur::service
