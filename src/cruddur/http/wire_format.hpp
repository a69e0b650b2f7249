#pragma once
// Private to the http layer: an answer as the bytes the server sends, and the answer to a request
// the parser refused.

#include <string>

#include "beast.hpp"
#include "cruddur/http/message.hpp"

namespace cruddur::http {

/// An answer as the bytes to send: the head (status line and fields), then the answer's body
/// (`body_text()`, owned or shared); `answer` stays empty when no body is sent.
struct Wire {
  std::string head;
  HttpResponse answer;
};

/// Serialises `answer` as Beast 1.74 serialises the equivalent message (see wire_format.cpp) for
/// a request of HTTP `version` (11 = 1.1); `head`: a HEAD request (no body sent); `keep_alive`:
/// whether the connection stays open after it.
Wire to_wire(HttpResponse&& answer, unsigned version, bool head, bool keep_alive);

/// The answer to a request the parser stopped at `ec`: 413 (body too large), 431 (head too
/// large) or 400, as a JSON error; the connection is closed after it.
HttpResponse refusal(const beast::error_code& ec);

}  // namespace cruddur::http
