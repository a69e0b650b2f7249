// Blocking GET of http(s):// and file:// URLs with libcurl: timeouts, size cap, no redirects.
#include "url_fetch.hpp"

#include <curl/curl.h>

#include <memory>

#include "cruddur/core/error.hpp"
#include "cruddur/core/redact.hpp"

namespace cruddur::aws {
namespace {

struct CurlDeleter {
  void operator()(CURL* handle) const noexcept { curl_easy_cleanup(handle); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;

struct Body {
  std::string data;
  std::size_t max_bytes;
  bool too_large = false;
};

std::size_t on_data(char* chunk, std::size_t size, std::size_t count, void* user) {
  auto* body = static_cast<Body*>(user);
  std::size_t length = size * count;
  if (body->data.size() + length > body->max_bytes) {
    body->too_large = true;
    return 0;  // makes curl fail with CURLE_WRITE_ERROR
  }
  body->data.append(chunk, length);
  return length;
}

[[noreturn]] void fail(const std::string& url, const std::string& why) {
  throw Error("fetch_failed", "GET " + core::redact_url(url) + " failed: " + why);
}

}  // namespace

std::string fetch_url(const std::string& url, std::chrono::milliseconds timeout,
                      std::size_t max_bytes) {
  CurlPtr curl(curl_easy_init());
  if (!curl) fail(url, "curl_easy_init");
  Body body{{}, max_bytes};
  char error[CURL_ERROR_SIZE] = "";
  CURL* handle = curl.get();
  curl_easy_setopt(handle, CURLOPT_URL, url.c_str());
  curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https,file");
  curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &on_data);
  curl_easy_setopt(handle, CURLOPT_WRITEDATA, &body);
  CURLcode result = curl_easy_perform(handle);
  if (body.too_large) fail(url, "body larger than " + std::to_string(max_bytes) + " bytes");
  if (result != CURLE_OK) fail(url, *error != '\0' ? error : curl_easy_strerror(result));
  long status = 0;
  curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
  bool is_file = url.rfind("file:", 0) == 0;
  if (!is_file && (status < 200 || status > 299))
    fail(url, "HTTP status " + std::to_string(status));
  return std::move(body.data);
}

}  // namespace cruddur::aws
