#pragma once

namespace cruddur::service {
class Authenticator;
class Messages;
}  // namespace cruddur::service

namespace cruddur::http {

class Router;

/// The direct-message routes of ARCHITECTURE §7 (docs/messages.md), signed in only:
/// `GET /api/message_groups`, `GET /api/messages/:message_group_uuid`, `POST /api/messages`.
/// `messages` and `authenticator` must outlive the router.
void add_message_routes(Router& router, service::Messages& messages,
                        const service::Authenticator& authenticator);

}  // namespace cruddur::http
