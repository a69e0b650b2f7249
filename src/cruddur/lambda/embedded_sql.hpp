#pragma once
// Private to the lambda layer: SQL files compiled into the bootstraps (a Lambda zip has no db/).

#include <string_view>

namespace cruddur::lambda {

/// db/sql/users/create_from_cognito.sql, as it was when the build was configured.
std::string_view create_user_from_cognito_sql();
/// db/sql/metrics/lock_apply.sql: the same statement `cruddur metrics sync` runs.
std::string_view metrics_lock_apply_sql();
/// db/sql/metrics/apply_messages.sql: the same statement `cruddur metrics sync` runs.
std::string_view metrics_apply_messages_sql();

}  // namespace cruddur::lambda
