// `cruddur dev-token --handle H`: looks the user up and mints a token with the development key.
#include "dev_token.hpp"

#include <fmt/format.h>

#include "cruddur/aws/dev_key_store.hpp"
#include "cruddur/core/error.hpp"
#include "cruddur/db/catalog.hpp"
#include "cruddur/db/connection.hpp"

namespace cruddur::app {

int dev_token(const core::Config& config, const std::string& handle) {
  auto catalog = db::Catalog::load({config.db_dir / "sql"});
  auto connection = db::Connection::open(config.database_url(false),
                                         {{"fallback_application_name", "cruddur-dev-token"}});
  const auto& lookup = catalog.at(catalog.id("users/cognito_id"));
  auto result = connection.exec_params(lookup.sql, {handle});
  if (result.rows() != 1) {
    throw Error("not_found", fmt::format("no user @{} in the database (seed it with `cruddur db "
                                         "seed`, or sign up)",
                                         handle));
  }
  auto store = aws::DevKeyStore::open(config.dev_key_dir);
  fmt::print("{}\n", aws::mint_dev_token(store, {std::string(result.value(0, 0)), handle}));
  return 0;
}

}  // namespace cruddur::app
