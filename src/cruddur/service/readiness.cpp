// Readiness: the database answers a trivial statement through the pool.
#include "cruddur/service/readiness.hpp"

#include "cruddur/core/error.hpp"
#include "cruddur/db/pool.hpp"

namespace cruddur::service {

Readiness::Readiness(db::Pool& pool, const db::Catalog& catalog)
    : pool_(pool), ready_(catalog.id("ops/ready")) {}

asio::awaitable<void> Readiness::check() {
  if (draining_) throw cruddur::Error("draining", "this instance is shutting down");
  co_await pool_.query_value(ready_);
}

}  // namespace cruddur::service
