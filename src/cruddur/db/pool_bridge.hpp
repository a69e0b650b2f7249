#pragma once
// Private to the db layer: the bridge between a caller's coroutine and the pool's strand.

#include <memory>

#include "cruddur/core/asio.hpp"
#include "cruddur/db/catalog.hpp"
#include "pool_request.hpp"

namespace cruddur::db {

class PoolScheduler;

/// Hands `request` to the scheduler on its strand and suspends the calling coroutine until it is
/// answered. The caller resumes on its own executor, queued there after the strand's handler
/// (asio::defer): none of the caller's code ever runs inside the pool's strand. Rethrows the
/// request's error.
asio::awaitable<Reply> submit(std::shared_ptr<PoolScheduler> scheduler,
                              std::unique_ptr<Request> request);

/// A request for catalog statement `id` run as `expected`, on `target` (a transaction's
/// connection) or on any connection (null). Throws cruddur::Error("catalog_misuse") when the
/// statement does not exist, does not return `expected` or takes another number of parameters.
std::unique_ptr<Request> statement_request(const Catalog& catalog, StatementId id, Params params,
                                           Returns expected,
                                           std::shared_ptr<PoolConnection> target);

/// A request for a fixed command without parameters (`BEGIN`, `COMMIT`, `ROLLBACK`) on `target`.
std::unique_ptr<Request> command_request(const char* command,
                                         std::shared_ptr<PoolConnection> target);

}  // namespace cruddur::db
