// `cruddur ddb` commands: the messages table's chores, each a small function on the async AWS
// client run to completion on the command's own io_context.
#include "cruddur/ddbctl/commands.hpp"

#include <fmt/format.h>

#include <boost/asio/use_future.hpp>
#include <nlohmann/json.hpp>

#include "cruddur/aws/aws_client.hpp"
#include "cruddur/aws/aws_error.hpp"
#include "cruddur/aws/dynamodb.hpp"
#include "cruddur/core/asio.hpp"
#include "cruddur/core/error.hpp"
#include "cruddur/db/connection.hpp"
#include "cruddur/service/message_store.hpp"

namespace cruddur::ddbctl {
namespace {

constexpr auto kActiveTimeout = std::chrono::seconds(120);

// The seed conversation, in our own words: (sender handle, message).
constexpr std::pair<const char*, const char*> kSeedConversation[] = {
    {"andrewbrown", "Hi Bayko, did the seed data make it into the new messages table?"},
    {"bayko", "It did. Every message has its own sort key now, even two in one microsecond."},
    {"andrewbrown", "And the conversation list no longer forgets everything each January?"},
    {"bayko", "No year filter anywhere: newest first, paged with a cursor."},
    {"andrewbrown", "Nice. Then let us ship it and see what the metrics say tomorrow."},
};

template <class T>
T run(asio::io_context& io, asio::awaitable<T> work) {
  auto future = asio::co_spawn(io, std::move(work), asio::use_future);
  io.restart();
  io.run();
  return future.get();
}

void note(const std::string& line) {
  fmt::print(stderr, "{}\n", line);
}

service::Participant user_by_handle(db::Connection& connection, const std::string& handle) {
  auto result = connection.exec_params(
      "SELECT uuid::text, display_name, handle FROM public.users WHERE handle = $1", {handle});
  if (result.rows() == 0) {
    throw Error("no_user", "no user @" + handle + " in the database: run `cruddur db seed` first");
  }
  return {std::string(result.value(0, 0)), std::string(result.value(0, 1)),
          std::string(result.value(0, 2))};
}

asio::awaitable<void> wait_until_active(aws::DynamoDb& dynamo, std::string table) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  auto deadline = std::chrono::steady_clock::now() + kActiveTimeout;
  while (true) {
    auto description = co_await dynamo.describe_table(table);
    if (description.value("TableStatus", "") == "ACTIVE") co_return;
    if (std::chrono::steady_clock::now() > deadline) {
      throw Error("table_not_active", "table " + table + " is not ACTIVE after 120 s");
    }
    timer.expires_after(std::chrono::seconds(1));
    co_await timer.async_wait(asio::use_awaitable);
  }
}

asio::awaitable<void> create_table(aws::DynamoDb& dynamo, std::string table) {
  try {
    co_await dynamo.create_table(service::MessageStore::table_definition(table));
    note("created table " + table + " (GSI message-group-sk-index, stream NEW_IMAGE)");
  } catch (const aws::AwsError& error) {
    if (error.type() != "ResourceInUseException") throw;
    note("table " + table + " already exists");
  }
  co_await wait_until_active(dynamo, table);
}

asio::awaitable<int> seed_conversation(service::MessageStore& store, service::Participant andrew,
                                       service::Participant bayko) {
  auto group = service::MessageStore::group_uuid_for(andrew.uuid, bayko.uuid);
  if (co_await store.head(group)) co_return 0;
  int posted = 0;
  for (const auto& [handle, text] : kSeedConversation) {
    bool from_andrew = std::string_view(handle) == andrew.handle;
    auto sender = from_andrew ? andrew : bayko;
    std::optional<service::Participant> recipient = from_andrew ? bayko : andrew;
    co_await store.post(sender, recipient, group, text);
    ++posted;
  }
  co_return posted;
}

}  // namespace

struct Commands::Impl {
  Impl(const core::Config& config, const core::EnvLookup& env, Target where)
      : target(std::move(where)), options(aws::AwsClientOptions::from_config(config, env)) {
    if (target.prod) {
      // prod is AWS itself, as the original's `prod` argument.
      options.endpoint_url.reset();
      options.service_endpoints.clear();
    } else if (!options.endpoint_url && options.service_endpoints.count("dynamodb") == 0) {
      throw Error("no_endpoint",
                  "no local DynamoDB: set AWS_ENDPOINT_URL or AWS_ENDPOINT_URL_DYNAMODB "
                  "(scripts/dev starts moto_server and prints it), or add `prod` to use AWS");
    }
    client = std::make_unique<aws::AwsClient>(io.get_executor(), options, env);
    dynamo = std::make_unique<aws::DynamoDb>(*client);
    store = std::make_unique<service::MessageStore>(*dynamo, target.table);
  }

  Target target;
  aws::AwsClientOptions options;
  asio::io_context io;
  std::unique_ptr<aws::AwsClient> client;
  std::unique_ptr<aws::DynamoDb> dynamo;
  std::unique_ptr<service::MessageStore> store;
};

Commands::Commands(const core::Config& config, const core::EnvLookup& env, Target target)
    : impl_(std::make_unique<Impl>(config, env, std::move(target))) {}

Commands::~Commands() = default;

std::string Commands::endpoint() const {
  return impl_->client->endpoint(aws::dynamodb_service());
}

void Commands::schema_load() {
  run(impl_->io, create_table(*impl_->dynamo, impl_->target.table));
}

void Commands::seed() {
  auto connection = db::Connection::open(impl_->target.database_url);
  auto andrew = user_by_handle(connection, "andrewbrown");
  auto bayko = user_by_handle(connection, "bayko");
  auto posted = run(impl_->io, seed_conversation(*impl_->store, andrew, bayko));
  if (posted == 0) {
    note("the seed conversation is already there: nothing to do");
  } else {
    note(fmt::format("seeded a conversation of {} messages between @andrewbrown and @bayko ({})",
                     posted, service::MessageStore::group_uuid_for(andrew.uuid, bayko.uuid)));
  }
}

void Commands::drop(bool allow_production) {
  if (impl_->target.prod && !allow_production) {
    throw Error("production_refused", "refusing to drop the production table " + impl_->target.table
                                          + ": add --allow-production if you mean it");
  }
  run(impl_->io, impl_->dynamo->delete_table(impl_->target.table));
  note("dropped table " + impl_->target.table);
}

void Commands::list_tables() {
  for (const auto& name : run(impl_->io, impl_->dynamo->list_tables())) fmt::print("{}\n", name);
}

void Commands::scan() {
  aws::ScanRequest request;
  request.table = impl_->target.table;
  for (const auto& item : run(impl_->io, impl_->dynamo->scan_all(request))) {
    fmt::print("{}\n", aws::item_to_json(item).dump());
  }
}

void Commands::conversation(const std::string& group_uuid) {
  std::vector<service::StoredMessage> messages;  // pages come newest first, each oldest first
  std::optional<std::string> before;
  do {
    auto page = run(impl_->io, impl_->store->messages(group_uuid, 100, before));
    messages.insert(messages.begin(), page.items.begin(), page.items.end());
    before = page.next_sk;
  } while (before);
  if (messages.empty()) note("no messages in conversation " + group_uuid);
  for (const auto& message : messages) {
    fmt::print("{}  {} (@{}): {}\n", message.created_at, message.sender.display_name,
               message.sender.handle, message.message);
  }
}

void Commands::conversations(const std::string& handle) {
  auto connection = db::Connection::open(impl_->target.database_url);
  auto user = user_by_handle(connection, handle);
  std::optional<std::string> before;
  do {
    auto page = run(impl_->io, impl_->store->groups(user.uuid, 100, before));
    for (const auto& group : page.items) {
      fmt::print("{}  {} (@{})  {}  {}\n", group.group_uuid, group.other.display_name,
                 group.other.handle, group.created_at, group.message);
    }
    before = page.next_sk;
  } while (before);
}

}  // namespace cruddur::ddbctl
