#pragma once

#include <string>

namespace cruddur::core {

/// Configures the default spdlog logger on stderr: `format` is `text` or `json` (one object per
/// line), `level` an spdlog level name. Throws cruddur::Error("invalid_config") on unknown values.
void init_logging(const std::string& format, const std::string& level);

}  // namespace cruddur::core
