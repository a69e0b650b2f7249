// SigV4 proven twice: on every header-signing vector of AWS's test suite (read at test time from
// ../shared/sigv4-test-suite/v4, never copied here), and against botocore's SigV4Auth on a few
// hundred generated requests (always runs: CI's machine may lack ../shared).
#include "cruddur/aws/sigv4.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "subprocess.hpp"

namespace cruddur::aws::sigv4 {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

fs::path suite_dir() {
  if (const char* dir = std::getenv("CRUDDUR_SIGV4_SUITE")) return dir;
  return fs::path(CRUDDUR_SOURCE_DIR) / ".." / "shared" / "sigv4-test-suite" / "v4";
}

std::chrono::system_clock::time_point parse_iso(const std::string& text) {
  std::tm utc{};
  std::istringstream in(text);
  in >> std::get_time(&utc, "%Y-%m-%dT%H:%M:%SZ");
  if (in.fail()) throw std::runtime_error("bad timestamp " + text);
  return std::chrono::system_clock::from_time_t(timegm(&utc));
}

// request.txt: `METHOD target HTTP/1.1`, header lines (a line starting with white space
// continues the previous value), a blank line, the body.
Request parse_request_file(const std::string& text, std::string& body) {
  std::istringstream in(text);
  std::string line;
  std::getline(in, line);
  auto first_space = line.find(' ');
  auto last_space = line.rfind(' ');
  Request request;
  request.method = line.substr(0, first_space);
  auto target = line.substr(first_space + 1, last_space - first_space - 1);
  auto question = target.find('?');
  request.path = target.substr(0, question);
  if (question != std::string::npos) request.query = target.substr(question + 1);
  while (std::getline(in, line) && !line.empty()) {
    if ((line[0] == ' ' || line[0] == '\t') && !request.headers.empty()) {
      request.headers.back().second += "\n" + line;
      continue;
    }
    auto colon = line.find(':');
    request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  std::ostringstream rest;
  rest << in.rdbuf();
  body = rest.str();
  return request;
}

// The value of the Authorization line of header-signed-request.txt.
std::string authorization_line(const std::string& signed_request) {
  std::istringstream in(signed_request);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Authorization:", 0) == 0) return line.substr(14);
  }
  return {};
}

TEST(SigV4Test, PathsAndQueriesAreCanonicalised) {
  EXPECT_EQ(canonical_uri("", true), "/");
  EXPECT_EQ(canonical_uri("/a/./b/../c//d/", true), "/a/c/d/");
  EXPECT_EQ(canonical_uri("/a/./b/../c//d/", false), "/a/./b/../c//d/");
  EXPECT_EQ(canonical_uri("/%20x y", true), "/%2520x%20y");  // encoded once more
  EXPECT_EQ(canonical_query("b=2&a=1&a=0&c"), "a=0&a=1&b=2&c=");
  EXPECT_EQ(canonical_query("%e1%88%b4=%41+"), "%E1%88%B4=A%2B");
  auto headers = canonical_headers({{"B", " x  \t y "}, {"a", "1"}, {"b", "z"}});
  EXPECT_EQ(headers.block, "a:1\nb:x y,z\n");
  EXPECT_EQ(headers.signed_headers, "a;b");
}

TEST(SigV4Test, EveryHeaderVectorOfTheAwsSuite) {
  auto dir = suite_dir();
  if (!fs::is_directory(dir)) {
    std::cerr << "\n*** SKIPPED: the AWS SigV4 test suite is not at " << fs::absolute(dir)
              << " (set CRUDDUR_SIGV4_SUITE to its v4/ folder); the botocore differential test "
                 "still ran ***\n\n";
    GTEST_SKIP() << "SigV4 suite not found at " << fs::absolute(dir);
  }
  int cases = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!fs::exists(entry.path() / "header-signature.txt")) continue;
    SCOPED_TRACE(entry.path().filename().string());
    auto context = json::parse(read_file(entry.path() / "context.json"));
    std::string body;
    auto request = parse_request_file(read_file(entry.path() / "request.txt"), body);
    request.payload_hash = sha256_hex(body);
    Credentials credentials;
    credentials.access_key_id = context.at("credentials").at("access_key_id");
    credentials.secret_access_key = context.at("credentials").at("secret_access_key");
    if (context.at("credentials").contains("token")) {
      credentials.session_token = context.at("credentials").at("token").get<std::string>();
    }
    Options options;
    options.region = context.at("region");
    options.service = context.at("service");
    options.time = parse_iso(context.at("timestamp"));
    options.normalize_path = context.value("normalize", true);
    options.sign_body_header = context.value("sign_body", false);
    options.omit_session_token = context.value("omit_session_token", false);

    auto signature = sign(request, credentials, options);
    EXPECT_EQ(signature.canonical_request,
              read_file(entry.path() / "header-canonical-request.txt"));
    EXPECT_EQ(signature.string_to_sign, read_file(entry.path() / "header-string-to-sign.txt"));
    EXPECT_EQ(signature.signature, read_file(entry.path() / "header-signature.txt"));
    EXPECT_EQ(signature.authorization,
              authorization_line(read_file(entry.path() / "header-signed-request.txt")));
    ++cases;
  }
  EXPECT_GE(cases, 30) << "expected the suite's header cases in " << dir;
  std::cout << "SigV4 suite: " << cases << " header-signing vectors checked\n";
}

std::string from_hex(const std::string& hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

TEST(SigV4Test, AgreesWithBotocoreOnGeneratedRequests) {
  constexpr int kCases = 400;
  auto result = test::run_process(
      {CRUDDUR_PYTHON, CRUDDUR_SIGV4_BOTOCORE_SCRIPT, std::to_string(kCases), "20261203"});
  ASSERT_EQ(result.exit_code, 0) << "botocore is needed for this test (it ships with boto3): "
                                 << result.err;
  auto cases = json::parse(result.out);
  ASSERT_EQ(cases.size(), static_cast<std::size_t>(kCases));
  int with_token = 0;
  for (const auto& generated : cases) {
    SCOPED_TRACE("case " + std::to_string(generated.at("index").get<int>()));
    Request request;
    request.method = generated.at("method");
    request.path = generated.at("path");
    request.query = generated.at("query");
    for (const auto& header : generated.at("headers")) {
      request.headers.emplace_back(header.at(0).get<std::string>(),
                                   header.at(1).get<std::string>());
    }
    request.payload_hash = sha256_hex(from_hex(generated.at("body_hex")));
    Credentials credentials;
    credentials.access_key_id = generated.at("access_key_id");
    credentials.secret_access_key = generated.at("secret_access_key");
    if (!generated.at("session_token").is_null()) {
      credentials.session_token = generated.at("session_token").get<std::string>();
      ++with_token;
    }
    Options options;
    options.region = generated.at("region");
    options.service = generated.at("service");
    auto timestamp = generated.at("timestamp").get<std::string>();
    options.time = parse_iso(timestamp.substr(0, 4) + "-" + timestamp.substr(4, 2) + "-"
                             + timestamp.substr(6, 2) + "T" + timestamp.substr(9, 2) + ":"
                             + timestamp.substr(11, 2) + ":" + timestamp.substr(13, 2) + "Z");
    auto signature = sign(request, credentials, options);
    ASSERT_EQ(signature.canonical_request, generated.at("canonical_request").get<std::string>());
    ASSERT_EQ(signature.string_to_sign, generated.at("string_to_sign").get<std::string>());
    ASSERT_EQ(signature.signature, generated.at("signature").get<std::string>());
    ASSERT_EQ(signature.authorization, generated.at("authorization").get<std::string>());
  }
  EXPECT_GT(with_token, kCases / 5);
}

}  // namespace
}  // namespace cruddur::aws::sigv4
