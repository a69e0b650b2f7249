// The direct-message routes: thin adapters from requests to service::Messages, with Link paging.
#include "cruddur/http/message_routes.hpp"

#include "bearer_header.hpp"
#include "cruddur/http/router.hpp"
#include "cruddur/service/authenticator.hpp"
#include "cruddur/service/messages.hpp"

namespace cruddur::http {
namespace {

using Response = asio::awaitable<HttpResponse>;

// 200 with the page, and `Link: <path?limit=…&before=…>; rel="next"` when it is full.
HttpResponse page_response(service::MessagesPage page, const std::string& path) {
  auto response = HttpResponse::json(200, std::move(page.json));
  if (page.next) {
    response.headers.emplace_back("Link", "<" + path + "?limit=" + std::to_string(page.limit)
                                              + "&before=" + *page.next + ">; rel=\"next\"");
  }
  return response;
}

}  // namespace

void add_message_routes(Router& router, service::Messages& messages,
                        const service::Authenticator& authenticator) {
  const auto& auth = authenticator;
  router.add("GET", "/api/message_groups", [&messages, &auth](RequestContext& context) -> Response {
    auto caller = co_await auth.required_caller(authorization(context));
    // Named, not a braced temporary: g++ 12 destroys temporaries inside co_await twice.
    service::PageRequest wanted{context.request().query("limit"), context.request().query("before"),
                                std::nullopt};  // messages are read from DynamoDB, not a replica
    auto page = co_await messages.groups(caller, wanted);
    co_return page_response(std::move(page), "/api/message_groups");
  });
  router.add("GET", "/api/messages/:message_group_uuid",
             [&messages, &auth](RequestContext& context) -> Response {
               auto caller = co_await auth.required_caller(authorization(context));
               service::PageRequest wanted{context.request().query("limit"),
                                           context.request().query("before"), std::nullopt};
               const auto& group = context.param("message_group_uuid");
               auto page = co_await messages.conversation(caller, group, wanted);
               co_return page_response(std::move(page), "/api/messages/" + group);
             });
  router.add("POST", "/api/messages", [&messages, &auth](RequestContext& context) -> Response {
    auto caller = co_await auth.required_caller(authorization(context));
    co_return HttpResponse::json(200, co_await messages.create(caller, context.request().body));
  });
}

}  // namespace cruddur::http
