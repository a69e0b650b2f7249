#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

namespace cruddur::core {

/// Looks up one environment variable; empty values count as unset.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;

/// The process environment (getenv). Thread-safe as long as nobody calls setenv concurrently.
EnvLookup process_env();

/// A fixed environment, for tests.
EnvLookup map_env(std::map<std::string, std::string> values);

}  // namespace cruddur::core
