#pragma once

#include <string>
#include <string_view>

namespace cruddur::service {

/// A random (version 4) UUID in canonical lower-case text, from OpenSSL's CSPRNG.
std::string random_uuid();

/// The name-based (version 5, SHA-1) UUID of `name` in the namespace `namespace_uuid` (canonical
/// text; RFC 4122 §4.3): the same inputs always give the same UUID.
std::string name_uuid(std::string_view namespace_uuid, std::string_view name);

}  // namespace cruddur::service
