// Configuration from the environment: defaults, overrides and clear errors.
#include "cruddur/core/config.hpp"

#include <gtest/gtest.h>

#include "cruddur/core/error.hpp"

using cruddur::core::load_config;
using cruddur::core::map_env;

TEST(Config, DefaultsMatchArchitecture) {
  auto config = load_config(map_env({}));
  EXPECT_EQ(config.connection_url, cruddur::core::kLocalConnectionUrl);
  EXPECT_EQ(config.host, "127.0.0.1");
  EXPECT_EQ(config.port, 4567);
  EXPECT_EQ(config.cache_url, "memory://");
  EXPECT_EQ(config.cache_ttl.count(), 60);
  EXPECT_EQ(config.db_acquire_timeout.count(), 5000);
  EXPECT_EQ(config.ddb_message_table, "cruddur-messages");
  EXPECT_FALSE(config.prod_connection_url);
}

TEST(Config, ReadsOverrides) {
  auto config = load_config(map_env({{"CONNECTION_URL", "postgresql://a@b/c"},
                                     {"PORT", "8080"},
                                     {"DB_POOL_SIZE", "4"},
                                     {"MOMENTO_AUTH_TOKEN", "old"},
                                     {"MOMENTO_API_KEY", "new"},
                                     {"LOG_FORMAT", "json"}}));
  EXPECT_EQ(config.connection_url, "postgresql://a@b/c");
  EXPECT_EQ(config.port, 8080);
  EXPECT_EQ(config.db_pool_size, 4u);
  EXPECT_EQ(config.momento_api_key, "new");
  EXPECT_EQ(config.log_format, "json");
}

TEST(Config, ProdUrlChosenOnlyWhenAskedAndPresent) {
  auto config = load_config(map_env({{"CONNECTION_URL", "dev"}, {"PROD_CONNECTION_URL", "prod"}}));
  EXPECT_EQ(config.database_url(false), "dev");
  EXPECT_EQ(config.database_url(true), "prod");
  auto without = load_config(map_env({}));
  try {
    (void)without.database_url(true);
    FAIL() << "expected missing_prod_url";
  } catch (const cruddur::Error& e) {
    EXPECT_EQ(e.code(), "missing_prod_url");
  }
}

TEST(Config, RejectsMalformedNumbersWithTheVariableName) {
  for (const char* bad : {"abc", "0", "70000", "80x", "-1"}) {
    try {
      load_config(map_env({{"PORT", bad}}));
      FAIL() << "accepted PORT=" << bad;
    } catch (const cruddur::Error& e) {
      EXPECT_EQ(e.code(), "invalid_config");
      EXPECT_NE(std::string(e.what()).find("PORT"), std::string::npos);
    }
  }
}

TEST(Config, RejectsUnknownLogFormat) {
  EXPECT_THROW(load_config(map_env({{"LOG_FORMAT", "xml"}})), cruddur::Error);
  EXPECT_THROW(load_config(map_env({{"LOG_LEVEL", "loud"}})), cruddur::Error);
}

TEST(Config, ScaleOutSettings) {
  auto defaults = load_config(map_env({}));
  EXPECT_FALSE(defaults.read_connection_url);
  EXPECT_FALSE(defaults.listen_connection_url);
  EXPECT_EQ(defaults.read_max_lag.count(), 1000);
  auto config = load_config(map_env({{"READ_CONNECTION_URL", "postgresql://r1/c,postgresql://r2/c"},
                                     {"READ_MAX_LAG_MS", "250"},
                                     {"LISTEN_CONNECTION_URL", "postgresql://primary/c"}}));
  EXPECT_EQ(config.read_connection_url, "postgresql://r1/c,postgresql://r2/c");
  EXPECT_EQ(config.read_max_lag.count(), 250);
  EXPECT_EQ(config.listen_connection_url, "postgresql://primary/c");
  EXPECT_THROW(load_config(map_env({{"READ_MAX_LAG_MS", "0"}})), cruddur::Error);
}

TEST(Config, PoolerAndBalancerSettings) {
  auto defaults = load_config(map_env({}));
  EXPECT_TRUE(defaults.db_prepared);
  EXPECT_EQ(defaults.http_idle_timeout.count(), 75) << "above the ALB's 60 s";
  EXPECT_EQ(defaults.drain_grace.count(), 0);
  auto config = load_config(
      map_env({{"DB_PREPARED", "off"}, {"HTTP_IDLE_TIMEOUT_S", "120"}, {"DRAIN_GRACE_S", "3"}}));
  EXPECT_FALSE(config.db_prepared);
  EXPECT_EQ(config.http_idle_timeout.count(), 120);
  EXPECT_EQ(config.drain_grace.count(), 3);
  EXPECT_TRUE(load_config(map_env({{"DB_PREPARED", "on"}})).db_prepared);
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"DB_PREPARED", "no"}, {"HTTP_IDLE_TIMEOUT_S", "0"}, {"DRAIN_GRACE_S", "-1"}}) {
    try {
      (void)load_config(map_env({{name, value}}));
      ADD_FAILURE() << name << "=" << value << " was accepted";
    } catch (const cruddur::Error& error) {
      EXPECT_EQ(error.code(), "invalid_config");
      EXPECT_NE(std::string(error.what()).find(name), std::string::npos) << error.what();
    }
  }
}
