// GET of an http(s):// document with net's async client, or a file:// document from disk.
#include "document_fetch.hpp"

#include <fstream>
#include <iterator>

#include "cruddur/core/error.hpp"
#include "cruddur/core/redact.hpp"
#include "cruddur/net/errors.hpp"
#include "cruddur/net/http_client.hpp"

namespace cruddur::aws {
namespace {

[[noreturn]] void fail(const std::string& url, const std::string& why) {
  throw Error("fetch_failed", "GET " + core::redact_url(url) + " failed: " + why);
}

bool has_prefix(const std::string& text, std::string_view prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

std::string read_file(const std::string& url, std::size_t max_bytes) {
  std::string path = url.substr(std::string_view("file://").size());
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(url, "cannot open " + path);
  std::string body;
  body.resize(max_bytes + 1);
  in.read(body.data(), static_cast<std::streamsize>(body.size()));
  if (in.bad()) fail(url, "cannot read " + path);
  body.resize(static_cast<std::size_t>(in.gcount()));
  if (body.size() > max_bytes)
    fail(url, "body larger than " + std::to_string(max_bytes) + " bytes");
  return body;
}

}  // namespace

asio::awaitable<std::string> fetch_document(net::HttpClient* client, std::string url,
                                            std::chrono::milliseconds timeout,
                                            std::size_t max_bytes) {
  if (has_prefix(url, "file://")) co_return read_file(url, max_bytes);
  if (!has_prefix(url, "http://") && !has_prefix(url, "https://")) {
    fail(url, "only http://, https:// and file:// URLs are fetched");
  }
  if (client == nullptr) fail(url, "no HTTP client");
  net::HttpResult result;
  try {
    result = co_await client->request("GET", url, {}, "", timeout);
  } catch (const net::NetError& error) {
    fail(url, error.what());
  }
  if (result.status < 200 || result.status > 299) {
    fail(url, "HTTP status " + std::to_string(result.status));
  }
  if (result.body.size() > max_bytes) {
    fail(url, "body larger than " + std::to_string(max_bytes) + " bytes");
  }
  co_return std::move(result.body);
}

}  // namespace cruddur::aws
