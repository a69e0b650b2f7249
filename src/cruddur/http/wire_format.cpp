// The server's wire format: answers serialised by hand (status line, fields, body) and the
// answers to requests the parser refused.
#include "wire_format.hpp"

#include <fmt/format.h>

#include <string_view>

namespace cruddur::http {
namespace {

bool has_line_break(std::string_view text) {
  return text.find('\r') != std::string_view::npos || text.find('\n') != std::string_view::npos;
}

}  // namespace

// Serialises an answer as Beast 1.74 serialised the equivalent message (status line with Beast's
// reason phrase; Server, Content-Type, the handler's fields in order, Content-Length; Connection
// when keep-alive differs from the version's default), without Beast's serializer: that was the
// largest user-space cost of a cached hit (~20%). HEAD gets the head only; 1xx, 204 and 304 have
// neither a body nor Content-Length (RFC 9110 §8.6, as Beast's prepare_payload does). A field
// whose name or value holds CR or LF is dropped, so no handler can split the response.
Wire to_wire(HttpResponse&& answer, unsigned version, bool head, bool keep_alive) {
  Wire wire;
  auto& out = wire.head;
  out.reserve(256);
  auto field = [&out](std::string_view name, std::string_view value) {
    if (has_line_break(name) || has_line_break(value)) return;
    out.append(name).append(": ").append(value).append("\r\n");
  };
  bool bodiless = answer.status < 200 || answer.status == 204 || answer.status == 304;
  auto reason = bhttp::obsolete_reason(static_cast<bhttp::status>(answer.status));
  out.append("HTTP/")
      .append(std::to_string(version / 10))
      .append(".")
      .append(std::to_string(version % 10))
      .append(" ")
      .append(std::to_string(answer.status))
      .append(" ")
      .append(reason.data(), reason.size())
      .append("\r\n");
  field("Server", "cruddur");
  field("Content-Type", answer.content_type);
  for (const auto& [name, value] : answer.headers) field(name, value);
  if (!bodiless) field("Content-Length", std::to_string(answer.body_text().size()));
  if (version >= 11 && !keep_alive) field("Connection", "close");
  if (version < 11 && keep_alive) field("Connection", "keep-alive");
  out.append("\r\n");
  if (!head && !bodiless) wire.answer = std::move(answer);
  return wire;
}

HttpResponse refusal(const beast::error_code& ec) {
  unsigned status = 400;
  std::string code = "bad_request";
  if (ec == bhttp::error::body_limit) {
    status = 413;
    code = "payload_too_large";
  } else if (ec == bhttp::error::header_limit) {
    status = 431;
    code = "headers_too_large";
  }
  return HttpResponse::json(status,
                            fmt::format(R"({{"code":"{}","message":"{}"}})", code, ec.message()));
}

}  // namespace cruddur::http
