// Lambda Runtime API client over one kept-alive libcurl handle.
#include "cruddur/lambda/runtime_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <map>
#include <nlohmann/json.hpp>

#include "cruddur/core/error.hpp"

namespace cruddur::lambda {
namespace {

constexpr const char* kApiVersion = "2018-06-01";

struct SlistDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

[[noreturn]] void fail(const std::string& message) {
  throw Error("runtime_api", message);
}

std::string lowercase(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

// One `Name: value\r\n` line; the status line and the blank line have no colon and are skipped.
std::size_t append_header(char* data, std::size_t size, std::size_t count, void* out) {
  std::string_view line(data, size * count);
  auto colon = line.find(':');
  if (colon != std::string_view::npos) {
    auto value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
      value.remove_prefix(1);
    while (!value.empty()
           && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) {
      value.remove_suffix(1);
    }
    (*static_cast<std::map<std::string, std::string>*>(
        out))[lowercase(std::string(line.substr(0, colon)))] = std::string(value);
  }
  return size * count;
}

template <typename Value>
void set_option(CURL* curl, CURLoption option, Value value) {
  if (CURLcode code = curl_easy_setopt(curl, option, value); code != CURLE_OK) {
    fail(fmt::format("cannot configure libcurl: {}", curl_easy_strerror(code)));
  }
}

std::chrono::system_clock::time_point parse_deadline(const std::string& text) {
  long long millis = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, millis);
  if (text.empty() || ec != std::errc{} || ptr != end || millis <= 0) {
    return std::chrono::system_clock::now() + kDefaultBudget;
  }
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(millis));
}

}  // namespace

struct RuntimeClient::Reply {
  long status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  ///< names lowercased

  [[nodiscard]] std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

CurlGlobal::CurlGlobal() {
  if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) fail("libcurl failed to initialise");
}
CurlGlobal::~CurlGlobal() {
  curl_global_cleanup();
}

void CurlEasyDeleter::operator()(void* curl) const noexcept {
  curl_easy_cleanup(curl);
}

RuntimeClient::RuntimeClient(const std::string& endpoint)
    : base_url_(fmt::format("http://{}/{}", endpoint, kApiVersion)), curl_(curl_easy_init()) {
  if (!curl_) fail("libcurl could not create a handle");
}

RuntimeClient::Reply RuntimeClient::request(const std::string& path, const std::string* body,
                                            const std::string& error_type) {
  CURL* curl = curl_.get();
  curl_easy_reset(curl);  // keeps the open connection
  Reply reply;
  auto url = base_url_ + path;
  SlistPtr headers;
  auto add_header = [&headers](const std::string& line) {
    curl_slist* extended = curl_slist_append(headers.get(), line.c_str());
    if (extended == nullptr) fail("out of memory building a Runtime API request");
    static_cast<void>(headers.release());
    headers.reset(extended);
  };
  set_option(curl, CURLOPT_URL, url.c_str());
  set_option(curl, CURLOPT_NOSIGNAL, 1L);
  set_option(curl, CURLOPT_NOPROXY, "*");  // the Runtime API is local; never use a proxy
  set_option(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  set_option(curl, CURLOPT_TIMEOUT_MS, 0L);  // `next` waits as long as it takes
  set_option(curl, CURLOPT_WRITEFUNCTION, &append_body);
  set_option(curl, CURLOPT_WRITEDATA, static_cast<void*>(&reply.body));
  set_option(curl, CURLOPT_HEADERFUNCTION, &append_header);
  set_option(curl, CURLOPT_HEADERDATA, static_cast<void*>(&reply.headers));
  if (body != nullptr) {
    add_header("Content-Type: application/json");
    add_header("Expect:");
    if (!error_type.empty()) add_header("Lambda-Runtime-Function-Error-Type: " + error_type);
    set_option(curl, CURLOPT_POST, 1L);
    set_option(curl, CURLOPT_POSTFIELDS, body->c_str());
    set_option(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
    set_option(curl, CURLOPT_HTTPHEADER, headers.get());
  }
  if (CURLcode code = curl_easy_perform(curl); code != CURLE_OK) {
    fail(fmt::format("the Runtime API at {} failed: {}", url, curl_easy_strerror(code)));
  }
  if (curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status) != CURLE_OK) {
    fail(fmt::format("the Runtime API at {} gave no status", url));
  }
  return reply;
}

Invocation RuntimeClient::next() {
  auto reply = request("/runtime/invocation/next", nullptr, {});
  if (reply.status != 200) {
    fail(fmt::format("GET /runtime/invocation/next answered {}: {}", reply.status, reply.body));
  }
  Invocation invocation;
  invocation.request_id = reply.header("lambda-runtime-aws-request-id");
  if (invocation.request_id.empty()) {
    fail("GET /runtime/invocation/next answered without Lambda-Runtime-Aws-Request-Id");
  }
  invocation.deadline = parse_deadline(reply.header("lambda-runtime-deadline-ms"));
  invocation.function_arn = reply.header("lambda-runtime-invoked-function-arn");
  invocation.trace_id = reply.header("lambda-runtime-trace-id");
  invocation.payload = std::move(reply.body);
  return invocation;
}

void RuntimeClient::post_expecting_accepted(const std::string& path, const std::string& body,
                                            const std::string& error_type) {
  auto reply = request(path, &body, error_type);
  if (reply.status != 202) {
    fail(fmt::format("POST {} answered {}: {}", path, reply.status, reply.body));
  }
}

void RuntimeClient::post_response(const std::string& request_id, const std::string& body) {
  post_expecting_accepted(fmt::format("/runtime/invocation/{}/response", request_id), body, {});
}

void RuntimeClient::post_error(const std::string& request_id, const ErrorReport& error) {
  post_expecting_accepted(fmt::format("/runtime/invocation/{}/error", request_id),
                          error_document(error), error.type);
}

void RuntimeClient::post_init_error(const ErrorReport& error) {
  post_expecting_accepted("/runtime/init/error", error_document(error), error.type);
}

std::string error_document(const ErrorReport& error) {
  nlohmann::json document = {{"errorMessage", error.message},
                             {"errorType", error.type},
                             {"stackTrace", nlohmann::json::array()}};
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace cruddur::lambda
