#pragma once
// Private to the lambda layer: SQL files compiled into the bootstrap (a Lambda zip has no db/).

#include <string_view>

namespace cruddur::lambda {

/// db/sql/users/create_from_cognito.sql, as it was when the build was configured.
std::string_view create_user_from_cognito_sql();

}  // namespace cruddur::lambda
