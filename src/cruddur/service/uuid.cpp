// UUIDs: random (v4) for messages, name-based (v5) for the conversation of a pair of users.
#include "cruddur/service/uuid.hpp"

#include <openssl/rand.h>
#include <openssl/sha.h>

#include <array>
#include <stdexcept>
#include <string>

namespace cruddur::service {
namespace {

using Bytes = UuidBytes;

std::string to_text(const Bytes& bytes) {
  constexpr const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[bytes[i] >> 4]);
    out.push_back(kHex[bytes[i] & 0x0f]);
  }
  return out;
}

void set_version(Bytes& bytes, unsigned char version) {
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | (version << 4));
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
}

}  // namespace

std::string random_uuid() {
  Bytes bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed");
  }
  set_version(bytes, 4);
  return to_text(bytes);
}

std::string name_uuid(const UuidBytes& space, std::string_view name) {
  std::string input(reinterpret_cast<const char*>(space.data()), space.size());
  input.append(name);
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  Bytes bytes{};
  std::copy(digest, digest + bytes.size(), bytes.begin());
  set_version(bytes, 5);
  return to_text(bytes);
}

}  // namespace cruddur::service
