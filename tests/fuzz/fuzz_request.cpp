// libFuzzer target: raw bytes → the server's Beast parser and limits → Router/Pipeline, query().
//
// The bytes are what a client writes on one keep-alive connection: up to kMaxRequests pipelined
// requests are parsed with a fresh parser each (as Server's session does), converted to
// HttpRequest and answered by a Pipeline over the operational routes and routes shaped like the
// API's (path parameters, the service's real body parsers, handlers that fail the ways real ones
// do); a request the parser refuses goes through Pipeline::complete_refusal with what was parsed.
// Crashes, leaks, UB and broken invariants (a response outside 100..599, a 405 without Allow, a
// refusal without a request id) are findings.
#include <spdlog/spdlog.h>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

#include "cruddur/core/asio.hpp"
#include "cruddur/core/error.hpp"
#include "cruddur/core/percent_encoding.hpp"
#include "cruddur/http/message.hpp"
#include "cruddur/http/metrics.hpp"
#include "cruddur/http/operational_routes.hpp"
#include "cruddur/http/pipeline.hpp"
#include "cruddur/http/router.hpp"
#include "cruddur/http/server.hpp"
#include "cruddur/service/bodies.hpp"
#include "cruddur/service/errors.hpp"

// Private to the http layer (the fuzz target's include path has it): the server's head_of.
#include "beast.hpp"

namespace {

namespace bhttp = boost::beast::http;
using cruddur::asio::awaitable;
using cruddur::http::HttpRequest;
using cruddur::http::HttpResponse;
using cruddur::http::RequestContext;

constexpr int kMaxRequests = 8;

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "fuzz_request: invariant broken: %s\n", what);
  std::abort();
}

// Echoes the decoded parameters and some query values as JSON, as a read route would.
awaitable<HttpResponse> echo(RequestContext& context) {
  nlohmann::json body{{"handle", context.param("handle")}, {"uuid", context.param("uuid")}};
  for (const char* name : {"limit", "before", "term"}) {
    if (auto value = context.request().query(name)) body[name] = *value;
  }
  co_return HttpResponse::json(200,
                               body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// Fails the ways service code does, chosen by the first byte of the parameter.
awaitable<HttpResponse> failing(RequestContext& context) {
  const auto& uuid = context.param("uuid");
  switch (uuid.empty() ? 0 : static_cast<unsigned char>(uuid.front()) % 5) {
    case 0:
      // Validation codes are the service's constants, never client text (error_mapping dumps
      // them without replacing invalid UTF-8).
      throw cruddur::service::ValidationError({"message_blank", "ttl_blank"});
    case 1:
      throw cruddur::service::NotFound("no activity " + uuid);
    case 2:
      throw cruddur::Error(uuid, "an error whose code is the client's text: " + uuid);
    case 3:
      throw std::runtime_error("internals " + uuid);
    default:
      co_return HttpResponse::json(200, context.request().body);
  }
}

// The service's own body parsers (fuzz_body fuzzes them alone): their ValidationError and
// invalid_json answers go through the pipeline's error mapping.
awaitable<HttpResponse> create(RequestContext& context) {
  auto activity = cruddur::service::parse_new_activity(context.request().body);
  nlohmann::json body;
  body["message"] = activity.message;
  body["interval"] = activity.interval;
  co_return HttpResponse::json(200, body.dump());
}

awaitable<HttpResponse> update_profile(RequestContext& context) {
  auto update = cruddur::service::parse_profile_update(context.request().body);
  nlohmann::json body;
  body["display_name"] = update.display_name;
  if (update.bio) body["bio"] = *update.bio;
  co_return HttpResponse::json(200, body.dump());
}

void add_api_shaped_routes(cruddur::http::Router& router) {
  router.add("GET", "/api/activities/home", echo);
  router.add("GET", "/api/activities/search", echo);
  router.add("GET", "/api/activities/@:handle", echo);
  router.add("GET", "/api/activities/@:handle/status/:uuid", echo);
  router.add("POST", "/api/activities", create);
  router.add("POST", "/api/activities/:uuid/reply", failing);
  router.add("POST", "/api/profile/update", update_profile);
  router.add("PUT", "/api/profile/update", update_profile);
}

// The server session's conversion (src/cruddur/http/server.cpp): the head, then the body.
HttpRequest to_request(const bhttp::request<bhttp::string_body>& request) {
  auto out = cruddur::http::head_of(request);
  out.body = request.body();
  return out;
}

void check(const HttpRequest& request, const HttpResponse& response) {
  if (response.status < 100 || response.status > 599) finding("status out of range");
  bool has_allow = false;
  for (const auto& [name, value] : response.headers) {
    if (name.empty()) finding("empty response header name");
    if (name == "Allow") has_allow = !value.empty();
  }
  if (response.status == 405 && !has_allow) finding("405 without Allow");
  if (request.method == "GET" && request.path() == "/api/health-check" && response.status != 200) {
    finding("health check did not answer 200");
  }
}

void check_refusal(const HttpResponse& refusal) {
  if (refusal.status != 400) finding("completing a refusal changed its status");
  bool has_id = false;
  for (const auto& [name, value] : refusal.headers) {
    if (name.empty()) finding("empty response header name");
    if (name == "X-Request-Id") has_id = !value.empty();
  }
  if (!has_id) finding("refusal without a request id");
}

void exercise_accessors(const HttpRequest& request) {
  for (const char* name : {"limit", "before", "term", ""}) (void)request.query(name);
  (void)cruddur::core::percent_decode(request.target, true);
  (void)cruddur::core::percent_decode(request.path(), false);
  (void)request.header("Authorization");
}

HttpResponse answer(const cruddur::http::Pipeline& pipeline, HttpRequest request) {
  cruddur::asio::io_context io;
  HttpResponse response;
  bool done = false;
  cruddur::asio::co_spawn(io, pipeline.handle(std::move(request)),
                          [&](const std::exception_ptr& error, HttpResponse result) {
                            if (error) finding("Pipeline::handle threw");
                            response = std::move(result);
                            done = true;
                          });
  io.run();
  if (!done) finding("Pipeline::handle did not complete");
  return response;
}

enum class Parse { request, refused, ended };

// Parses one request off the front of `input` with the server's limits into `out`: `refused` when
// the parser refuses it (the server answers 400/413/431 through Pipeline::complete_refusal with
// what was parsed, then closes), `ended` when the input ends first.
Parse parse_one(std::string_view& input, bhttp::request<bhttp::string_body>& out) {
  const cruddur::http::ServerOptions limits;
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
  parser.body_limit(limits.body_limit);
  parser.eager(true);
  boost::beast::error_code ec;
  while (!parser.is_done()) {
    auto used =
        input.empty() ? 0 : parser.put(cruddur::asio::buffer(input.data(), input.size()), ec);
    input.remove_prefix(used);
    if (ec && ec != bhttp::error::need_more) {
      out = parser.release();
      return Parse::refused;
    }
    if (used == 0) {  // all the input is in the buffer, so nothing more is coming: end of stream
      parser.put_eof(ec);
      if (ec || !parser.is_done()) return Parse::ended;
    }
    ec = {};
  }
  out = parser.release();
  return Parse::request;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);  // the access log of every request is noise here
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cruddur::http::Metrics metrics;
  cruddur::http::Router router;
  cruddur::http::add_operational_routes(router, metrics);
  add_api_shaped_routes(router);
  cruddur::http::Pipeline pipeline(router, {{"http://localhost:3000"}}, metrics);

  std::string_view input(reinterpret_cast<const char*>(data), size);
  bhttp::request<bhttp::string_body> parsed;
  for (int i = 0; i < kMaxRequests && !input.empty(); ++i) {
    auto outcome = parse_one(input, parsed);
    if (outcome == Parse::ended) break;
    if (outcome == Parse::refused) {
      auto partial = cruddur::http::head_of(parsed);  // a refused request's body was never read
      HttpResponse refusal = HttpResponse::json(400, R"({"code":"bad_request"})");
      pipeline.complete_refusal(partial, refusal);
      check_refusal(refusal);
      break;
    }
    auto request = to_request(parsed);
    exercise_accessors(request);
    auto match = router.match(request.method, request.path());
    if (!match.pattern.empty() && match.allow.empty()) finding("matched pattern without methods");
    auto response = answer(pipeline, request);
    check(request, response);
    if (!parsed.keep_alive()) break;
  }
  return 0;
}
