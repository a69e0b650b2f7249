#pragma once

#include "cruddur/core/asio.hpp"
#include "cruddur/db/catalog.hpp"

namespace cruddur::db {
class Pool;
}

namespace cruddur::service {

/// Whether this instance can serve requests now: its database answers. Thread-safe; `pool` must
/// outlive it.
class Readiness {
 public:
  /// Resolves `ops/ready`; throws db::CatalogError when it is missing.
  Readiness(db::Pool& pool, const db::Catalog& catalog);

  /// Returns once the database answered `ops/ready`; throws the pool's DbError when it did not
  /// (ConnectionError, PoolTimeout, QueryCanceled …: 503/504 at the HTTP layer).
  asio::awaitable<void> check();

 private:
  db::Pool& pool_;
  db::StatementId ready_;
};

}  // namespace cruddur::service
