#pragma once

#include <atomic>

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
  /// (ConnectionError, PoolTimeout, QueryCanceled …: 503/504 at the HTTP layer), and
  /// cruddur::Error("draining") (503) once drain() was called.
  asio::awaitable<void> check();
  /// From now on this instance is not ready (it is shutting down), whatever the database says.
  void drain() { draining_ = true; }

 private:
  db::Pool& pool_;
  db::StatementId ready_;
  std::atomic<bool> draining_{false};
};

}  // namespace cruddur::service
