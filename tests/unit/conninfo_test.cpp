// Connection URLs parsed by libpq: maintenance database, password handling, malformed input.
#include "cruddur/db/conninfo.hpp"

#include <gtest/gtest.h>

#include "cruddur/db/errors.hpp"

using cruddur::db::ConnInfo;

TEST(ConnInfo, ParsesUrlParts) {
  ConnInfo info("postgresql://cruddurroot:pw@db.example.com:5432/cruddur?sslmode=verify-full");
  EXPECT_EQ(info.get("host"), "db.example.com");
  EXPECT_EQ(info.get("port"), "5432");
  EXPECT_EQ(info.get("user"), "cruddurroot");
  EXPECT_EQ(info.get("sslmode"), "verify-full");
  EXPECT_EQ(info.database(), "cruddur");
}

TEST(ConnInfo, MaintenanceDatabaseKeepsEveryOtherOption) {
  ConnInfo info("postgresql://u:pw@h:6543/cruddur?sslmode=require&application_name=x");
  auto maintenance = ConnInfo(info.with_database("postgres"));
  EXPECT_EQ(maintenance.database(), "postgres");
  EXPECT_EQ(maintenance.get("host"), "h");
  EXPECT_EQ(maintenance.get("port"), "6543");
  EXPECT_EQ(maintenance.get("password"), "pw");
  EXPECT_EQ(maintenance.get("sslmode"), "require");
}

TEST(ConnInfo, DatabaseNamedLikeTheHostIsNotMangled) {
  // The original's `sed 's/\/cruddur//g'` broke URLs like this one.
  ConnInfo info("postgresql://u@cruddur-db.example.com/cruddur");
  EXPECT_EQ(ConnInfo(info.with_database("postgres")).get("host"), "cruddur-db.example.com");
}

TEST(ConnInfo, QuotesAwkwardValues) {
  ConnInfo info("host=h dbname='my db' password='it\\'s'");
  EXPECT_EQ(info.database(), "my db");
  EXPECT_EQ(ConnInfo(info.with_database("other's")).database(), "other's");
  EXPECT_EQ(ConnInfo(info.with_database("x")).get("password"), "it's");
}

TEST(ConnInfo, WithoutPasswordDropsOnlyThePassword) {
  ConnInfo info("postgresql://u:secret@h/cruddur");
  auto stripped = info.without_password();
  EXPECT_EQ(stripped.find("secret"), std::string::npos);
  EXPECT_EQ(ConnInfo(stripped).database(), "cruddur");
  EXPECT_EQ(ConnInfo(stripped).get("user"), "u");
}

TEST(ConnInfo, DisplayNeverShowsThePassword) {
  ConnInfo info("postgresql://u:secret@h:5432/cruddur");
  EXPECT_EQ(info.display(), "u@h:5432/cruddur");
}

TEST(ConnInfo, MalformedUrlIsTypedAndRedacted) {
  for (const char* bad : {"postgresql://u:secret@h:notaport/db?bogus_option=1",
                          "host=h password=secret junk", "postgresql://u:secret@h/db?sslmode"}) {
    try {
      ConnInfo info(bad);
      FAIL() << "accepted " << bad;
    } catch (const cruddur::db::MalformedUrl& e) {
      EXPECT_EQ(e.code(), "malformed_url");
      EXPECT_EQ(std::string(e.what()).find("secret"), std::string::npos) << e.what();
    }
  }
}
