// The local development JWT key (.cruddur/dev-jwt) and minting of development access tokens.
#include "cruddur/aws/dev_key_store.hpp"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cruddur/core/error.hpp"

namespace cruddur::aws {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail_io(const std::string& what, const fs::path& path, int error) {
  throw Error("dev_key_error", what + " " + path.string() + ": " + std::strerror(error));
}

struct FdCloser {
  int fd;
  ~FdCloser() {
    if (fd >= 0) ::close(fd);
  }
};

/// A unique sibling of `path` to write before moving it into place.
fs::path temp_path_for(const fs::path& path) {
  unsigned char random[8];
  if (RAND_bytes(random, sizeof random) != 1) throw Error("crypto_error", "RAND_bytes failed");
  std::ostringstream name;
  name << path.filename().string() << ".tmp-" << ::getpid() << '-' << std::hex;
  for (unsigned char byte : random) name << static_cast<unsigned>(byte);
  return path.parent_path() / name.str();
}

/// Writes `content` to a new file `path` with `mode`, failing if it exists.
void write_new_file(const fs::path& path, const std::string& content, mode_t mode) {
  FdCloser file{::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)};
  if (file.fd < 0) fail_io("cannot create", path, errno);
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(file.fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail_io("cannot write", path, errno);
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(file.fd) != 0) fail_io("cannot sync", path, errno);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_io("cannot read", path, errno);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

/// Publishes a new private key at `path` unless another process got there first (link(2) does
/// not replace). Returns the key now at `path`.
SigningKey create_or_load_key(const fs::path& path) {
  SigningKey fresh = SigningKey::generate();
  fs::path temp = temp_path_for(path);
  write_new_file(temp, fresh.private_pem(), 0600);
  int link_error = ::link(temp.c_str(), path.c_str()) == 0 ? 0 : errno;
  ::unlink(temp.c_str());
  if (link_error == 0) return fresh;
  if (link_error != EEXIST) fail_io("cannot create", path, link_error);
  return SigningKey::from_pem(read_file(path));
}

/// Replaces `path` atomically with `content` (mode 0644) unless it already holds exactly that.
void write_if_changed(const fs::path& path, const std::string& content) {
  std::error_code ignored;
  if (fs::exists(path, ignored) && read_file(path) == content) return;
  fs::path temp = temp_path_for(path);
  write_new_file(temp, content, 0644);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    int error = errno;
    ::unlink(temp.c_str());
    fail_io("cannot replace", path, error);
  }
}

std::string random_id() {
  unsigned char random[16];
  if (RAND_bytes(random, sizeof random) != 1) throw Error("crypto_error", "RAND_bytes failed");
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (std::size_t i = 0; i < sizeof random; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id.push_back('-');
    id.push_back(kHex[random[i] >> 4]);
    id.push_back(kHex[random[i] & 0xf]);
  }
  return id;
}

}  // namespace

DevKeyStore::DevKeyStore(std::filesystem::path dir, SigningKey key)
    : dir_(std::move(dir)), key_(std::move(key)) {}

DevKeyStore DevKeyStore::open(const std::filesystem::path& dir) {
  std::error_code error;
  fs::path absolute = fs::absolute(dir, error);
  if (error) fail_io("cannot resolve", dir, error.value());
  fs::create_directories(absolute, error);
  if (error) fail_io("cannot create", absolute, error.value());
  fs::permissions(absolute, fs::perms::owner_all, error);
  if (error) fail_io("cannot restrict", absolute, error.value());

  fs::path key_path = absolute / "private.pem";
  SigningKey key = fs::exists(key_path, error) ? SigningKey::from_pem(read_file(key_path))
                                               : create_or_load_key(key_path);
  DevKeyStore store(absolute, std::move(key));
  write_if_changed(store.jwks_path(), store.key_.jwks_json());
  return store;
}

std::string DevKeyStore::jwks_url() const {
  return "file://" + jwks_path().string();
}

std::string mint_dev_token(const DevKeyStore& store, const DevTokenClaims& claims,
                           std::chrono::system_clock::time_point now) {
  if (claims.sub.empty()) throw Error("invalid_argument", "a development token needs a sub");
  auto issued = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  nlohmann::json header = {{"alg", "RS256"}, {"kid", store.key().kid()}, {"typ", "JWT"}};
  nlohmann::json payload = {
      {"sub", claims.sub},
      {"iss", kDevIssuer},
      {"client_id", kDevClientId},
      {"token_use", "access"},
      {"scope", "aws.cognito.signin.user.admin"},
      {"auth_time", issued},
      {"iat", issued},
      {"exp", issued + claims.lifetime.count()},
      {"jti", random_id()},
      {"username", claims.username},
  };
  return store.key().sign_jwt(header.dump(), payload.dump());
}

}  // namespace cruddur::aws
