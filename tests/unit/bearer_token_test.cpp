// Authorization header parsing: tokens, the anonymous forms the frontend sends, bad schemes.
#include <gtest/gtest.h>

#include "cruddur/aws/access_token_verifier.hpp"

namespace {

using cruddur::aws::AuthError;
using cruddur::aws::bearer_token;

TEST(BearerToken, ExtractsTheToken) {
  EXPECT_EQ(bearer_token("Bearer abc.def.ghi"), "abc.def.ghi");
  EXPECT_EQ(bearer_token("bearer  abc.def.ghi "), "abc.def.ghi");
  EXPECT_EQ(bearer_token("BEARER abc"), "abc");
}

TEST(BearerToken, AnonymousForms) {
  EXPECT_FALSE(bearer_token(std::nullopt));
  EXPECT_FALSE(bearer_token(""));
  EXPECT_FALSE(bearer_token("   "));
  EXPECT_FALSE(bearer_token("Bearer null"));
  EXPECT_FALSE(bearer_token("Bearer undefined"));
  EXPECT_FALSE(bearer_token("Bearer"));
  EXPECT_FALSE(bearer_token("Bearer   "));
}

TEST(BearerToken, RefusesOtherSchemesAndSeveralTokens) {
  EXPECT_THROW(bearer_token("Basic dXNlcjpwYXNz"), AuthError);
  EXPECT_THROW(bearer_token("Bearerabc"), AuthError);
  EXPECT_THROW(bearer_token("abc.def.ghi"), AuthError);
  EXPECT_THROW(bearer_token("Bearer abc def"), AuthError);
}

}  // namespace
