#pragma once

#include <string>

#include "cruddur/core/error.hpp"

namespace cruddur::db {

/// Any database failure. `sqlstate()` is the server's five-character code, empty when the failure
/// happened on the client side (connection lost, pool timeout, malformed URL).
class DbError : public cruddur::Error {
 public:
  DbError(std::string code, const std::string& message, std::string sqlstate = {},
          std::string detail = {})
      : Error(std::move(code), message),
        sqlstate_(std::move(sqlstate)),
        detail_(std::move(detail)) {}

  [[nodiscard]] const std::string& sqlstate() const noexcept { return sqlstate_; }
  /// The server's DETAIL line, if any (may quote row values; never a password).
  [[nodiscard]] const std::string& detail() const noexcept { return detail_; }

 private:
  std::string sqlstate_;
  std::string detail_;
};

/// Why a connection attempt failed.
enum class ConnectFailure {
  unreachable,
  auth_failed,
  database_missing,
  ssl,
  too_many,
  bad_parameters,  ///< an option libpq parsed but cannot use (port "abc", sslmode "x")
  other
};

/// Connection class 08*, admin shutdown 57P01–57P03, or no SQLSTATE at all. Code `db_unavailable`.
class ConnectionError : public DbError {
 public:
  ConnectionError(const std::string& message, std::string sqlstate = {},
                  ConnectFailure failure = ConnectFailure::other)
      : DbError("db_unavailable", message, std::move(sqlstate)), failure_(failure) {}
  [[nodiscard]] ConnectFailure failure() const noexcept { return failure_; }

 private:
  ConnectFailure failure_;
};

/// A DbError whose `code()` is fixed by its tag type, so each kind can be caught on its own.
template <typename Tag>
class TypedDbError : public DbError {
 public:
  explicit TypedDbError(const std::string& message, std::string sqlstate = {},
                        std::string detail = {})
      : DbError(Tag::code, message, std::move(sqlstate), std::move(detail)) {}
};

struct UniqueViolationTag {
  static constexpr const char* code = "unique_violation";
};
struct ForeignKeyViolationTag {
  static constexpr const char* code = "foreign_key_violation";
};
struct CheckViolationTag {
  static constexpr const char* code = "check_violation";
};
struct DataErrorTag {
  static constexpr const char* code = "data_error";
};
struct SerializationFailureTag {
  static constexpr const char* code = "serialization_failure";
};
struct ResourceErrorTag {
  static constexpr const char* code = "db_resources";
};
struct QueryCanceledTag {
  static constexpr const char* code = "query_canceled";
};
struct UndefinedObjectTag {
  static constexpr const char* code = "undefined_object";
};
struct InsufficientPrivilegeTag {
  static constexpr const char* code = "permission_denied";
};
struct PoolTimeoutTag {
  static constexpr const char* code = "pool_timeout";
};
struct MalformedUrlTag {
  static constexpr const char* code = "malformed_url";
};
struct CardinalityErrorTag {
  static constexpr const char* code = "cardinality";
};
struct SqlErrorTag {
  static constexpr const char* code = "sql_error";
};

using UniqueViolation = TypedDbError<UniqueViolationTag>;            ///< 23505
using ForeignKeyViolation = TypedDbError<ForeignKeyViolationTag>;    ///< 23503
using CheckViolation = TypedDbError<CheckViolationTag>;              ///< 23514, 23502 (not null)
using DataError = TypedDbError<DataErrorTag>;                        ///< 22*
using SerializationFailure = TypedDbError<SerializationFailureTag>;  ///< 40001, 40P01
using ResourceError = TypedDbError<ResourceErrorTag>;                ///< 53*
using QueryCanceled = TypedDbError<QueryCanceledTag>;                ///< 57014 (statement timeout)
using UndefinedObject = TypedDbError<UndefinedObjectTag>;            ///< 42P01, 42883
using InsufficientPrivilege = TypedDbError<InsufficientPrivilegeTag>;  ///< 42501
using PoolTimeout = TypedDbError<PoolTimeoutTag>;                      ///< no connection in time
using MalformedUrl = TypedDbError<MalformedUrlTag>;          ///< libpq cannot parse the URL
using CardinalityError = TypedDbError<CardinalityErrorTag>;  ///< not the rows promised
using SqlError = TypedDbError<SqlErrorTag>;                  ///< everything else

/// Throws the typed error for `sqlstate` (the one SQLSTATE → type mapping of the project).
[[noreturn]] void throw_for_sqlstate(const std::string& sqlstate, const std::string& message,
                                     const std::string& detail = {});

/// Classifies a libpq connection failure by its message alone: the fallback for what libpq tells
/// only in words (an option value it cannot use, a host name it cannot resolve). Connection
/// attempts are classified by libpq's signals first (PQconnectionNeedsPassword, the server's
/// SQLSTATE, the phase that failed).
ConnectFailure classify_connect_failure(const std::string& message);

}  // namespace cruddur::db
