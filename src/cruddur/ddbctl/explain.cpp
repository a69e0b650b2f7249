// One-line explanations of `cruddur ddb` failures: what went wrong and how to fix it.
#include <fmt/format.h>

#include "cruddur/aws/aws_error.hpp"
#include "cruddur/core/redact.hpp"
#include "cruddur/db/errors.hpp"
#include "cruddur/ddbctl/commands.hpp"

namespace cruddur::ddbctl {

std::string explain_failure(const std::exception& error, const Target& target,
                            const std::string& endpoint) {
  if (const auto* aws = dynamic_cast<const aws::AwsError*>(&error)) {
    const auto& code = aws->code();
    if (code == "aws_not_found") {
      return fmt::format("table {} does not exist at {}: run `cruddur ddb schema-load{}`",
                         target.table, endpoint, target.prod ? " prod" : "");
    }
    if (code == "aws_unavailable") {
      return fmt::format(
          "cannot reach DynamoDB at {} ({}). Start it (scripts/dev starts "
          "moto_server) or fix AWS_ENDPOINT_URL",
          endpoint, aws->what());
    }
    if (code == "aws_denied") {
      return fmt::format(
          "DynamoDB at {} refused the credentials ({}): check AWS_ACCESS_KEY_ID "
          "and AWS_SECRET_ACCESS_KEY",
          endpoint, aws->type());
    }
    if (code == "aws_throttled") {
      return fmt::format("DynamoDB at {} is throttling requests ({}): try again in a moment",
                         endpoint, aws->type());
    }
    if (code == "aws_no_credentials") return aws->what();
    return fmt::format("DynamoDB at {}: {}", endpoint, aws->what());
  }
  if (const auto* db_error = dynamic_cast<const db::DbError*>(&error)) {
    return fmt::format("PostgreSQL ({}): {}", core::redact_url(target.database_url),
                       db_error->what());
  }
  return error.what();
}

}  // namespace cruddur::ddbctl
