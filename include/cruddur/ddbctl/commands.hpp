#pragma once

#include <memory>
#include <string>

#include "cruddur/core/config.hpp"
#include "cruddur/core/env.hpp"

namespace cruddur::ddbctl {

/// Where `cruddur ddb` works: the messages table on the local DynamoDB (AWS_ENDPOINT_URL) or,
/// with `prod`, on AWS itself; PostgreSQL (CONNECTION_URL, PROD_CONNECTION_URL with prod) for
/// user uuids.
struct Target {
  bool prod = false;
  std::string table;
  std::string database_url;
};

/// One small function per command. Every command throws (aws::AwsError, db errors,
/// cruddur::Error) and the CLI explains it in one line. Data goes to stdout, notes to stderr.
class Commands {
 public:
  /// Throws cruddur::Error `no_endpoint` outside prod when AWS_ENDPOINT_URL is unset.
  Commands(const core::Config& config, const core::EnvLookup& env, Target target);
  ~Commands();
  Commands(const Commands&) = delete;
  Commands& operator=(const Commands&) = delete;

  /// Creates the table (key pk/sk, GSI message-group-sk-index, stream NEW_IMAGE) and waits until
  /// it is ACTIVE; an existing table is fine.
  void schema_load();
  /// A conversation between andrewbrown and bayko (their uuids from PostgreSQL); once.
  void seed();
  /// Deletes the table; a production table only with `allow_production`.
  void drop(bool allow_production);
  void list_tables();
  /// Every item, one DynamoDB JSON object per line.
  void scan();
  /// A conversation's messages, oldest first.
  void conversation(const std::string& group_uuid);
  /// The conversations of the user with `handle`, newest first.
  void conversations(const std::string& handle);

  /// Where requests go (for messages).
  [[nodiscard]] std::string endpoint() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// One line saying what went wrong and how to fix it; never a secret.
std::string explain_failure(const std::exception& error, const Target& target,
                            const std::string& endpoint);

}  // namespace cruddur::ddbctl
