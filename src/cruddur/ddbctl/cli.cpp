// CLI11 wiring of `cruddur ddb`: subcommands, `prod` (AWS instead of AWS_ENDPOINT_URL), exit codes.
#include "cruddur/ddbctl/cli.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "cruddur/core/config.hpp"
#include "cruddur/ddbctl/commands.hpp"

namespace cruddur::ddbctl {

struct DdbCli::Flags {
  bool prod = false;
  bool allow_production = false;
  std::string group_uuid;
  std::string handle;
  CLI::App* chosen = nullptr;
};

DdbCli::DdbCli(CLI::App& app) : flags_(std::make_unique<Flags>()) {
  auto& f = *flags_;
  ddb_ = app.add_subcommand("ddb",
                            "DynamoDB chores on the messages table: schema-load, seed, drop, "
                            "list-tables, scan, conversation, conversations");
  ddb_->require_subcommand(1);
  ddb_->add_flag("--prod", f.prod,
                 "Use AWS itself (and PROD_CONNECTION_URL) instead of AWS_ENDPOINT_URL; a "
                 "trailing `prod` does the same");
  auto add = [&](const char* name, const char* help) {
    auto* sub = ddb_->add_subcommand(name, help);
    sub->fallthrough();
    sub->callback([&f, sub] { f.chosen = sub; });
    return sub;
  };
  add("schema-load", "Create the table (GSI message-group-sk-index, stream NEW_IMAGE)");
  add("seed", "Add a conversation between andrewbrown and bayko (uuids from PostgreSQL)");
  add("drop", "Delete the table (refuses production without --allow-production)")
      ->add_flag("--allow-production", f.allow_production,
                 "Consent to deleting the production table");
  add("list-tables", "List the DynamoDB tables");
  add("scan", "Print every item of the table, one JSON object per line");
  add("conversation", "Print a conversation's messages, oldest first")
      ->add_option("group_uuid", f.group_uuid, "The conversation (message_group_uuid)")
      ->required();
  add("conversations", "Print a user's conversations, newest first")
      ->add_option("handle", f.handle, "The user's handle, e.g. andrewbrown")
      ->required();
}

DdbCli::~DdbCli() = default;

bool DdbCli::chosen() const {
  return flags_->chosen != nullptr;
}

int DdbCli::run(const core::Config& config) {
  auto& f = *flags_;
  const std::string name = f.chosen->get_name();
  Target target;
  target.prod = f.prod;
  target.table = config.ddb_message_table;
  std::string endpoint = f.prod ? "AWS" : config.aws_endpoint_url.value_or("(no endpoint)");
  try {
    // Only these read PostgreSQL (user uuids): the others work without a database URL.
    if (name == "seed" || name == "conversations") {
      target.database_url = config.database_url(f.prod);
    }
    Commands commands(config, core::process_env(), target);
    endpoint = commands.endpoint();
    if (name == "schema-load") commands.schema_load();
    if (name == "seed") commands.seed();
    if (name == "drop") commands.drop(f.allow_production);
    if (name == "list-tables") commands.list_tables();
    if (name == "scan") commands.scan();
    if (name == "conversation") commands.conversation(f.group_uuid);
    if (name == "conversations") commands.conversations(f.handle);
    return 0;
  } catch (const std::exception& error) {
    fmt::print(stderr, "cruddur ddb {}: {}\n", name, explain_failure(error, target, endpoint));
    return 2;
  }
}

}  // namespace cruddur::ddbctl
