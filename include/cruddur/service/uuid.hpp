#pragma once

#include <array>
#include <string>
#include <string_view>

namespace cruddur::service {

/// A random (version 4) UUID in canonical lower-case text, from OpenSSL's CSPRNG.
std::string random_uuid();

/// The 16 bytes of a UUID.
using UuidBytes = std::array<unsigned char, 16>;

/// The name-based (version 5, SHA-1) UUID of `name` in the namespace `space` (RFC 4122 §4.3), as
/// canonical text: the same inputs always give the same UUID.
std::string name_uuid(const UuidBytes& space, std::string_view name);

}  // namespace cruddur::service
