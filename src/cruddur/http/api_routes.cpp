// The Cruddur API routes: thin adapters from requests to services and back.
#include "cruddur/http/api_routes.hpp"

#include "bearer_header.hpp"
#include "cruddur/http/router.hpp"
#include "cruddur/service/activities.hpp"
#include "cruddur/service/authenticator.hpp"
#include "cruddur/service/users.hpp"

namespace cruddur::http {
namespace {

using Response = asio::awaitable<HttpResponse>;

HttpResponse ok(std::string json) {
  return HttpResponse::json(200, std::move(json));
}

// A 200 whose body is `json` within `owner` (a value shared with the feed cache): not copied.
HttpResponse ok_shared(std::shared_ptr<const void> owner, std::string_view json) {
  SharedText body;
  body.owner = std::move(owner);
  body.text = json;
  return HttpResponse::json(200, std::move(body));
}

HttpResponse ok_shared(std::shared_ptr<const std::string> json) {
  std::string_view text = *json;
  return ok_shared(std::move(json), text);
}

}  // namespace

void add_api_routes(Router& router, ApiServices services) {
  auto& activities = services.activities;
  auto& users = services.users;
  const auto& auth = services.authenticator;

  // The home feed does not depend on who asks. The first page is cached and its token is not
  // verified; other pages read the caller's own writes (read replicas), so a token is looked at.
  router.add(
      "GET", "/api/activities/home", [&activities, &auth](RequestContext& context) -> Response {
        const auto& request = context.request();
        // Named, not a braced temporary: g++ 12 destroys temporaries inside co_await twice.
        service::PageRequest wanted{request.query("limit"), request.query("before"), std::nullopt};
        if (wanted.limit || wanted.before)
          wanted.caller = co_await auth.optional_caller(authorization(context));
        auto page = co_await activities.home(wanted);
        auto response = ok_shared(std::move(page.text), page.json);
        if (page.next) {
          // Concatenated, not formatted: this runs on every cached hit of the first page.
          response.headers.emplace_back("Link",
                                        "</api/activities/home?limit=" + std::to_string(page.limit)
                                            + "&before=" + *page.next + ">; rel=\"next\"");
        }
        co_return response;
      });
  router.add("GET", "/api/activities/search",
             [&activities, &auth](RequestContext& context) -> Response {
               auto term = context.request().query("term");
               auto caller = co_await auth.optional_caller(authorization(context));
               co_return ok(co_await activities.search(term, caller));
             });
  router.add("GET", "/api/activities/notifications",
             [&activities, &auth](RequestContext& context) -> Response {
               auto caller = co_await auth.required_caller(authorization(context));
               co_return ok(co_await activities.notifications(caller));
             });
  router.add("POST", "/api/activities", [&activities, &auth](RequestContext& context) -> Response {
    auto caller = co_await auth.required_caller(authorization(context));
    co_return ok(co_await activities.create(caller, context.request().body));
  });
  router.add("POST", "/api/activities/:uuid/reply",
             [&activities, &auth](RequestContext& context) -> Response {
               auto caller = co_await auth.required_caller(authorization(context));
               co_return ok(co_await activities.reply(caller, context.param("uuid"),
                                                      context.request().body));
             });
  router.add("GET", "/api/activities/@:handle", [&activities](RequestContext& context) -> Response {
    co_return ok_shared(co_await activities.profile(context.param("handle")));
  });
  router.add("GET", "/api/activities/@:handle/status/:uuid",
             [&activities](RequestContext& context) -> Response {
               co_return ok_shared(
                   co_await activities.show(context.param("handle"), context.param("uuid")));
             });
  router.add("GET", "/api/users/@:handle/short", [&users](RequestContext& context) -> Response {
    co_return ok(co_await users.short_profile(context.param("handle")));
  });
  auto update_profile = [&users, &auth](RequestContext& context) -> Response {
    auto caller = co_await auth.required_caller(authorization(context));
    co_return ok(co_await users.update_profile(caller, context.request().body));
  };
  router.add("POST", "/api/profile/update", update_profile);
  router.add("PUT", "/api/profile/update", update_profile);
}

}  // namespace cruddur::http
