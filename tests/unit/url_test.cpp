// URL parsing and percent-encoding of the HTTP client.
#include "cruddur/net/url.hpp"

#include <gtest/gtest.h>

#include "cruddur/net/errors.hpp"

namespace {

using cruddur::net::parse_url;
using cruddur::net::percent_encode;

TEST(ParseUrl, HttpsDefaultsToPort443AndRoot) {
  auto url = parse_url("HTTPS://API.cache.example.com");
  EXPECT_EQ(url.scheme, "https");
  EXPECT_EQ(url.host, "api.cache.example.com");
  EXPECT_EQ(url.port, 443);
  EXPECT_EQ(url.target, "/");
  EXPECT_TRUE(url.tls());
  EXPECT_EQ(url.host_header(), "api.cache.example.com");
}

TEST(ParseUrl, ExplicitPortPathAndQueryAreKeptFragmentDropped) {
  auto url = parse_url("http://127.0.0.1:8080/cache/c?key=a%20b#frag");
  EXPECT_EQ(url.port, 8080);
  EXPECT_EQ(url.target, "/cache/c?key=a%20b");
  EXPECT_EQ(url.host_header(), "127.0.0.1:8080");
}

TEST(ParseUrl, QueryWithoutPathGetsASlash) {
  EXPECT_EQ(parse_url("http://h?x=1").target, "/?x=1");
}

TEST(ParseUrl, Ipv6LiteralInBrackets) {
  auto url = parse_url("http://[::1]:9000/");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 9000);
  EXPECT_EQ(url.host_header(), "[::1]:9000");
}

TEST(ParseUrl, RefusesWhatItCannotUse) {
  for (const char* bad :
       {"example.com/x", "ftp://example.com/", "http://", "http://:80/", "http://h:0/",
        "http://h:70000/", "http://h:12x/", "https://user:secret@h/"}) {
    EXPECT_THROW(parse_url(bad), cruddur::net::InvalidUrl) << bad;
  }
}

TEST(ParseUrl, ErrorsDoNotEchoTheUrl) {
  try {
    parse_url("https://user:secret@h/");
    FAIL();
  } catch (const cruddur::net::InvalidUrl& error) {
    EXPECT_EQ(std::string(error.what()).find("secret"), std::string::npos);
    EXPECT_EQ(error.code(), "invalid_url");
  }
}

TEST(PercentEncode, KeepsUnreservedEncodesTheRest) {
  EXPECT_EQ(percent_encode("Az09-._~"), "Az09-._~");
  EXPECT_EQ(percent_encode("home feed/@x?a=b&c"), "home%20feed%2F%40x%3Fa%3Db%26c");
  EXPECT_EQ(percent_encode("\xC3\xA9"), "%C3%A9");
}

}  // namespace
