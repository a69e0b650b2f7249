// Password redaction in URLs and key/value connection strings.
#include "cruddur/core/redact.hpp"

#include <gtest/gtest.h>

using cruddur::core::redact_url;

TEST(RedactUrl, MasksUserinfoPassword) {
  EXPECT_EQ(redact_url("postgresql://cruddurroot:s3cr3t@db.example.com:5432/cruddur"),
            "postgresql://cruddurroot:****@db.example.com:5432/cruddur");
}

TEST(RedactUrl, KeepsUrlWithoutPassword) {
  EXPECT_EQ(redact_url("postgresql://postgres@127.0.0.1:15432/cruddur"),
            "postgresql://postgres@127.0.0.1:15432/cruddur");
  EXPECT_EQ(redact_url("postgres:///cruddur?host=/tmp"), "postgres:///cruddur?host=/tmp");
}

TEST(RedactUrl, PasswordContainingAtAndColon) {
  EXPECT_EQ(redact_url("postgresql://u:p@ss:w0rd@host/db"), "postgresql://u:****@host/db");
}

// libpq ends the userinfo at the first `@` before a `/` only: `?` and `#` belong to the password.
TEST(RedactUrl, PasswordContainingQuestionMarkOrHash) {
  EXPECT_EQ(redact_url("postgresql://u:pa#ss@host/db"), "postgresql://u:****@host/db");
  EXPECT_EQ(redact_url("postgresql://u:pa?ss@host/db"), "postgresql://u:****@host/db");
  EXPECT_EQ(redact_url("postgresql://u#x:secret@host"), "postgresql://u#x:****@host");
}

TEST(RedactUrl, MasksQueryParameterPassword) {
  EXPECT_EQ(redact_url("postgresql://host/db?user=u&password=hunter2&sslmode=require"),
            "postgresql://host/db?user=u&password=****&sslmode=require");
}

TEST(RedactUrl, MasksKeywordPasswordQuotedOrNot) {
  EXPECT_EQ(redact_url("host=h password=hunter2 dbname=x"), "host=h password=**** dbname=x");
  EXPECT_EQ(redact_url("host=h password = 'a b\\' c' dbname=x"),
            "host=h password = **** dbname=x");
  EXPECT_EQ(redact_url("host=h PASSWORD=x"), "host=h PASSWORD=****");
}

// Found by fuzz_conninfo: libpq ends a URL query value at `&` only and a key/value value at
// unescaped whitespace only, and decodes percent-encoded query keywords.
TEST(RedactUrl, MasksTheWholeValueAsLibpqDelimitsIt) {
  EXPECT_EQ(redact_url("postgresql://h/db?password=Abc#1 2&user=x"),
            "postgresql://h/db?password=****&user=x");
  EXPECT_EQ(redact_url("postgresql://h/db?password='a'b&user=x"),
            "postgresql://h/db?password=****&user=x");
  EXPECT_EQ(redact_url("host=h password=Abc#12&x user=u"), "host=h password=**** user=u");
  EXPECT_EQ(redact_url("host=h password=a\\ b user=u"), "host=h password=**** user=u");
  EXPECT_EQ(redact_url("host=h password\t=\tsecret"), "host=h password\t=\t****");
  EXPECT_EQ(redact_url("host=h password=&abc#d options=postgres://x"),
            "host=h password=**** options=postgres://x");
  // The userinfo rule takes the last @ before the first /, so it over-masks here; what counts
  // is that the query's password is gone too.
  EXPECT_EQ(redact_url("postgres://u@[::1]:5433?password=@secret/"), "postgres://u@[:****");
  EXPECT_EQ(redact_url("postgresql://u?t:xx password=@abcd"), "postgresql://u?t:****");
}

TEST(RedactUrl, MasksPercentEncodedPasswordKeyword) {
  EXPECT_EQ(redact_url("postgresql://h/db?%70assword=hunter22"),
            "postgresql://h/db?%70assword=****");
  EXPECT_EQ(redact_url("postgresql://h/db?pa%73%73word=x&a=b"),
            "postgresql://h/db?pa%73%73word=****&a=b");
}

TEST(RedactUrl, LeavesLookalikeKeysAlone) {
  EXPECT_EQ(redact_url("passwordfile=/x oldpassword"), "passwordfile=/x oldpassword");
}

TEST(RedactUrl, MalformedInputStillRedacted) {
  EXPECT_EQ(redact_url("postgresql://user:secret@"), "postgresql://user:****@");
  EXPECT_EQ(redact_url("not a url password=x"), "not a url password=****");
  EXPECT_EQ(redact_url(""), "");
}
