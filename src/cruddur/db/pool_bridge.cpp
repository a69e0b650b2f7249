// The coroutine bridge of the pool: a caller's request goes to the strand, its answer comes back
// to the caller's own executor.
#include "pool_bridge.hpp"

#include <fmt/format.h>

#include "pool_scheduler.hpp"

namespace cruddur::db {
namespace {

// Hands the Reply to a coroutine's completion handler on that coroutine's own executor. Deferred,
// never dispatched: complete() runs on the pool's strand, and an inline resumption would run the
// rest of the caller's request (building the page, the cache, the socket write) inside the strand
// while every other connection's results wait behind it. asio::defer queues the handler on this
// thread's private queue of the io_context, run right after the strand's handler (no wake-up of
// another thread for it), and another idle thread may still take it from there.
template <typename Handler>
class HandlerCompletion final : public Completion {
 public:
  explicit HandlerCompletion(Handler handler) : handler_(std::move(handler)) {}
  void complete(std::exception_ptr error, Reply reply) override {
    auto executor = asio::get_associated_executor(handler_);
    asio::defer(executor,
                [handler = std::move(handler_), error = std::move(error),
                 reply = std::move(reply)]() mutable { handler(error, std::move(reply)); });
  }

 private:
  Handler handler_;
};

}  // namespace

asio::awaitable<Reply> submit(std::shared_ptr<PoolScheduler> scheduler,
                              std::unique_ptr<Request> request) {
  auto initiation = [&scheduler, &request](auto handler) {
    request->completion =
        std::make_unique<HandlerCompletion<decltype(handler)>>(std::move(handler));
    asio::post(scheduler->strand(), [scheduler, request = std::move(request)]() mutable {
      scheduler->submit(std::move(request));
    });
  };
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&,
                                          void(std::exception_ptr, Reply)>(initiation,
                                                                           asio::use_awaitable);
}

std::unique_ptr<Request> statement_request(const Catalog& catalog, StatementId id, Params params,
                                           Returns expected,
                                           std::shared_ptr<PoolConnection> target) {
  if (id.index() >= catalog.statements().size()) {
    throw Error("catalog_misuse", fmt::format("no catalog statement #{}", id.index()));
  }
  const auto& statement = catalog.at(id);
  if (statement.returns != expected) {
    throw Error("catalog_misuse",
                fmt::format("{} returns {}, it cannot be run as {}", statement.name,
                            to_string(statement.returns), to_string(expected)));
  }
  if (params.size() != statement.parameters.size()) {
    throw Error("catalog_misuse", fmt::format("{} takes {} parameters, got {}", statement.name,
                                              statement.parameters.size(), params.size()));
  }
  auto request = std::make_unique<Request>();
  request->statement = id.index();
  request->params = std::move(params);
  request->returns = expected;
  request->target = std::move(target);
  return request;
}

std::unique_ptr<Request> command_request(const char* command,
                                         std::shared_ptr<PoolConnection> target) {
  auto request = std::make_unique<Request>();
  request->kind = Request::Kind::command;
  request->command = command;
  request->target = std::move(target);
  return request;
}

}  // namespace cruddur::db
