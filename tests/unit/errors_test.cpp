// Unit tests of the one SQLSTATE → typed error mapping (throw_for_sqlstate).
#include "cruddur/db/errors.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace cruddur::db {
namespace {

// The code() of what throw_for_sqlstate throws for `sqlstate`, checking it is a DbError that keeps
// the message, the SQLSTATE and the detail.
std::string code_for(const std::string& sqlstate) {
  try {
    throw_for_sqlstate(sqlstate, "message", "detail");
  } catch (const ConnectionError& error) {
    EXPECT_EQ(error.sqlstate(), sqlstate);
    return error.code();
  } catch (const DbError& error) {
    EXPECT_EQ(std::string(error.what()), "message");
    EXPECT_EQ(error.sqlstate(), sqlstate);
    EXPECT_EQ(error.detail(), "detail");
    return error.code();
  }
  return "nothing thrown";
}

TEST(SqlstateMapping, EveryClassOfTheIssueHasItsType) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"", "db_unavailable"},
      {"08006", "db_unavailable"},
      {"08001", "db_unavailable"},
      {"57P01", "db_unavailable"},
      {"57P02", "db_unavailable"},
      {"57P03", "db_unavailable"},
      {"23505", "unique_violation"},
      {"23503", "foreign_key_violation"},
      {"23514", "check_violation"},
      {"23502", "check_violation"},
      {"22001", "data_error"},
      {"22P02", "data_error"},
      {"40001", "serialization_failure"},
      {"40P01", "serialization_failure"},
      {"53300", "db_resources"},
      {"53100", "db_resources"},
      {"57014", "query_canceled"},
      {"42P01", "undefined_object"},
      {"42883", "undefined_object"},
      {"42501", "permission_denied"},
      {"42601", "sql_error"},
      {"XX000", "sql_error"},
  };
  for (const auto& [sqlstate, code] : cases) EXPECT_EQ(code_for(sqlstate), code) << sqlstate;
}

TEST(SqlstateMapping, TypesCanBeCaughtOnTheirOwn) {
  EXPECT_THROW(throw_for_sqlstate("23505", "dup"), UniqueViolation);
  EXPECT_THROW(throw_for_sqlstate("57014", "slow"), QueryCanceled);
  EXPECT_THROW(throw_for_sqlstate("57P01", "bye"), ConnectionError);
  EXPECT_THROW(throw_for_sqlstate("40001", "retry"), SerializationFailure);
  EXPECT_EQ(PoolTimeout("waited").code(), "pool_timeout");
}

}  // namespace
}  // namespace cruddur::db
