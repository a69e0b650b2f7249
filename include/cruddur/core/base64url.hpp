#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cruddur::core {

/// RFC 4648 §5 base64url without padding (the JWT/JWK encoding).
std::string base64url_encode(std::string_view bytes);

/// Strict base64url decoding: no padding, no whitespace, no characters outside the alphabet, no
/// impossible length, no non-zero trailing bits. Returns nullopt on any of those.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace cruddur::core
