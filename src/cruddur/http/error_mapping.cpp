// The single mapping from cruddur::Error codes to HTTP statuses and bodies.
#include "cruddur/http/error_mapping.hpp"

#include <nlohmann/json.hpp>
#include <string_view>

#include "cruddur/core/error.hpp"
#include "cruddur/service/errors.hpp"

namespace cruddur::http {
namespace {

struct Mapping {
  std::string_view code;
  unsigned status;
};

// Codes whose message is safe to show the client.
constexpr Mapping kMappings[] = {
    {"not_found", 404},         {"invalid_json", 400},     {"bad_request", 400},
    {"payload_too_large", 413}, {"unique_violation", 409}, {"conflict", 409},
    {"forbidden", 403},
};

HttpResponse coded(unsigned status, std::string_view code, std::string_view message) {
  nlohmann::json body{{"code", code}, {"message", message}};
  return HttpResponse::json(status,
                            body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

HttpResponse error_response(const std::exception& error) {
  if (const auto* invalid = dynamic_cast<const service::ValidationError*>(&error)) {
    return HttpResponse::json(422,
                              nlohmann::json(invalid->codes())
                                  .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  const auto* typed = dynamic_cast<const cruddur::Error*>(&error);
  if (typed == nullptr) return coded(500, "internal", "internal error");
  const auto& code = typed->code();
  if (code == "unauthorized") return HttpResponse::json(401, "{}");
  if (code == "admin_auth_required") {
    // A browser asks for the admin username and password when it sees this challenge.
    auto response = coded(401, code, typed->what());
    response.headers.emplace_back("WWW-Authenticate",
                                  R"(Basic realm="Cruddur admin", charset="UTF-8")");
    return response;
  }
  for (const auto& mapping : kMappings) {
    if (mapping.code == code) return coded(mapping.status, code, typed->what());
  }
  if (code == "db_unavailable" || code == "pool_timeout" || code == "db_resources") {
    auto response = coded(503, "db_unavailable", "the database is unavailable; try again shortly");
    response.headers.emplace_back("Retry-After", "1");
    return response;
  }
  if (code == "query_canceled") return coded(504, "db_timeout", "the database took too long");
  // The write is committed, but a shared cache may still serve the old feeds to other servers:
  // not acknowledged as a success, and not retried blindly (a repeated POST writes twice).
  if (code == "cache_invalidation_failed") {
    return coded(503, code,
                 "the change was saved, but the feed cache could not be cleared; feeds may show "
                 "the old data for a short while (do not resend it)");
  }
  // DynamoDB (direct messages) or Cognito (making a missing user) cannot answer: the message says
  // which; nothing else is affected.
  if (code == "messages_unavailable" || code == "cognito_unavailable") {
    return coded(503, code, typed->what());
  }
  return coded(500, "internal", "internal error");
}

}  // namespace cruddur::http
