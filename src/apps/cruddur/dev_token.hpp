#pragma once
// `cruddur dev-token`: a development access token for a seeded or registered user.

#include <string>

#include "cruddur/core/config.hpp"

namespace cruddur::app {

/// Prints an access token for the user with `handle`, signed by the local development key that
/// `cruddur serve` trusts outside production. Throws cruddur::Error for an unknown handle.
int dev_token(const core::Config& config, const std::string& handle);

}  // namespace cruddur::app
