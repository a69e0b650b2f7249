#pragma once

namespace cruddur::service {
class Activities;
class Authenticator;
class Users;
}  // namespace cruddur::service

namespace cruddur::http {

class Router;

/// The services the API routes call; all must outlive the router.
struct ApiServices {
  service::Activities& activities;
  service::Users& users;
  const service::Authenticator& authenticator;
};

/// The Cruddur API of ARCHITECTURE §7 (without the DynamoDB messages routes).
void add_api_routes(Router& router, ApiServices services);

}  // namespace cruddur::http
