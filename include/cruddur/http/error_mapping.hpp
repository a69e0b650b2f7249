#pragma once

#include <exception>

#include "cruddur/http/message.hpp"

namespace cruddur::http {

/// The one place where failures become HTTP: validation → 422 array of codes; unauthorized → 401
/// `{}`; not found → 404; bad JSON → 400; conflicts → 409; database unavailable or pool timeout →
/// 503 (Retry-After); statement timeout → 504; anything else → 500 without internals.
/// Other errors carry `{"code": "...", "message": "..."}`. `admin_auth_required` → 401 with
/// `WWW-Authenticate: Basic` (the admin routes).
HttpResponse error_response(const std::exception& error);

}  // namespace cruddur::http
