// Cognito event parsing, settings and error documents of the post-confirmation Lambda.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cruddur/core/error.hpp"
#include "cruddur/db/errors.hpp"
#include "cruddur/lambda/post_confirmation.hpp"
#include "cruddur/lambda/runtime_loop.hpp"

namespace lambda = cruddur::lambda;

namespace {

std::string event(const std::string& trigger, const nlohmann::json& attributes) {
  return nlohmann::json{{"version", "1"},
                        {"triggerSource", trigger},
                        {"region", "us-east-1"},
                        {"userPoolId", "us-east-1_TEST"},
                        {"userName", "abc"},
                        {"request", {{"userAttributes", attributes}}},
                        {"response", nlohmann::json::object()}}
      .dump();
}

nlohmann::json full_attributes() {
  return {{"sub", "6f1b-sub"},
          {"email", "londo@centari.com"},
          {"email_verified", "true"},
          {"name", "Londo Mollari"},
          {"preferred_username", "londo"}};
}

std::string error_code_of(const std::string& payload) {
  try {
    static_cast<void>(lambda::parse_post_confirmation(payload));
  } catch (const cruddur::Error& error) {
    return error.code() + ": " + error.what();
  }
  return "no error";
}

}  // namespace

TEST(PostConfirmationEvent, ConfirmSignUpMapsTheAttributes) {
  auto user =
      lambda::parse_post_confirmation(event("PostConfirmation_ConfirmSignUp", full_attributes()));
  ASSERT_TRUE(user);
  EXPECT_EQ(user->sub, "6f1b-sub");
  EXPECT_EQ(user->email, "londo@centari.com");
  EXPECT_EQ(user->preferred_username, "londo");
  EXPECT_EQ(user->name, "Londo Mollari");
}

TEST(PostConfirmationEvent, OtherTriggersCreateNobody) {
  EXPECT_FALSE(lambda::parse_post_confirmation(
      event("PostConfirmation_ConfirmForgotPassword", full_attributes())));
  EXPECT_FALSE(lambda::parse_post_confirmation(R"({"triggerSource":"PreSignUp_SignUp"})"));
}

TEST(PostConfirmationEvent, NamesEveryMissingOrEmptyAttribute) {
  auto attributes = full_attributes();
  attributes.erase("email");
  attributes["name"] = "";
  attributes["preferred_username"] = 42;
  EXPECT_EQ(error_code_of(event("PostConfirmation_ConfirmSignUp", attributes)),
            "invalid_event: request.userAttributes lacks email, preferred_username, name");
}

TEST(PostConfirmationEvent, NoUserAttributesAtAll) {
  EXPECT_EQ(error_code_of(R"({"triggerSource":"PostConfirmation_ConfirmSignUp","request":[]})"),
            "invalid_event: request.userAttributes lacks sub, email, preferred_username, name");
}

TEST(PostConfirmationEvent, RejectsWhatIsNotAnEvent) {
  EXPECT_EQ(error_code_of(R"({"triggerSource": "PostConf)"),
            "invalid_event: the event is not valid JSON");
  EXPECT_EQ(error_code_of("[1, 2]"), "invalid_event: the event is not a JSON object");
  EXPECT_EQ(error_code_of(R"({"triggerSource": 7})"),
            "invalid_event: the event has no triggerSource");
  EXPECT_EQ(error_code_of(""), "invalid_event: the event is not valid JSON");
}

TEST(PostConfirmationConfig, RequiresConnectionUrl) {
  try {
    lambda::load_post_confirmation_config(cruddur::core::map_env({}));
    FAIL() << "no error";
  } catch (const cruddur::Error& error) {
    EXPECT_EQ(error.code(), "invalid_config");
    EXPECT_STREQ(error.what(), "CONNECTION_URL is not set");
  }
}

TEST(PostConfirmationConfig, MalformedUrlNeverShowsThePassword) {
  try {
    lambda::load_post_confirmation_config(cruddur::core::map_env(
        {{"CONNECTION_URL", "postgresql://root:hunter2@db/cruddur?not_an_option=1"}}));
    FAIL() << "no error";
  } catch (const cruddur::db::MalformedUrl& error) {
    EXPECT_EQ(std::string(error.what()).find("hunter2"), std::string::npos) << error.what();
  }
}

TEST(PostConfirmationConfig, KeepsTheUrlAsGiven) {
  auto url = "postgresql://root:pw@db.example.com:5432/cruddur?sslmode=verify-full";
  auto config =
      lambda::load_post_confirmation_config(cruddur::core::map_env({{"CONNECTION_URL", url}}));
  EXPECT_EQ(config.connection_url, url);
}

TEST(ErrorReport, TypeIsThePascalCaseOfTheCode) {
  auto report = lambda::error_report(cruddur::db::ConnectionError("connection refused"));
  EXPECT_EQ(report.type, "DbUnavailable");
  EXPECT_EQ(report.message, "connection refused");
  EXPECT_EQ(lambda::error_report(cruddur::db::UniqueViolation("dup")).type, "UniqueViolation");
  EXPECT_EQ(lambda::error_report(cruddur::Error("invalid_event", "x")).type, "InvalidEvent");
  EXPECT_EQ(lambda::error_report(std::runtime_error("boom")).type, "InternalError");
}

TEST(ErrorReport, DocumentHasLambdasShape) {
  auto document = nlohmann::json::parse(lambda::error_document({"InvalidEvent", "bad \xff byte"}));
  EXPECT_EQ(document["errorType"], "InvalidEvent");
  EXPECT_EQ(document["errorMessage"], "bad \xEF\xBF\xBD byte");
  EXPECT_EQ(document["stackTrace"], nlohmann::json::array());
}
