// Unit tests of catalog header parsing, validation and JSON wrapping (no server needed).
#include "cruddur/db/catalog.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace cruddur::db {
namespace {

std::string parse_error(const std::string& text) {
  try {
    Catalog::parse("area/name", text);
  } catch (const CatalogError& error) {
    EXPECT_EQ(error.code(), "catalog_invalid");
    return error.what();
  }
  return "no error";
}

TEST(Catalog, ParsesTheHeaderAndWrapsArrays) {
  auto statement = Catalog::parse("activities/feed",
                                  "-- activities/feed: newest first.\n"
                                  "-- returns: array\n"
                                  "-- $1: integer limit — page size\n"
                                  "-- $2: uuid before_uuid\n"
                                  "SELECT uuid FROM activities WHERE uuid < $2 LIMIT $1;\n");
  EXPECT_EQ(statement.returns, Returns::array);
  ASSERT_EQ(statement.parameters.size(), 2U);
  EXPECT_EQ(statement.parameters[0].type, "integer");
  EXPECT_EQ(statement.parameters[0].name, "limit");
  EXPECT_EQ(statement.parameters[0].description, "— page size");
  EXPECT_EQ(statement.parameters[1].name, "before_uuid");
  EXPECT_EQ(statement.body, "SELECT uuid FROM activities WHERE uuid < $2 LIMIT $1");
  EXPECT_EQ(statement.sql,
            "WITH t AS (\nSELECT uuid FROM activities WHERE uuid < $2 LIMIT $1\n) "
            "SELECT coalesce(json_agg(t), '[]'::json) FROM t");
}

TEST(Catalog, WrapsObjectsAndLeavesOtherKindsAlone) {
  auto object = Catalog::parse("u/o", "-- returns: object\nSELECT 1 AS one");
  EXPECT_EQ(object.sql, "WITH t AS (\nSELECT 1 AS one\n) SELECT row_to_json(t) FROM t");
  for (const char* kind : {"value", "rows", "none"}) {
    auto statement = Catalog::parse("u/x", std::string("-- returns: ") + kind + "\nSELECT 1");
    EXPECT_EQ(statement.sql, "SELECT 1");
    EXPECT_EQ(to_string(statement.returns), kind);
  }
}

// Only a statement that begins with SELECT is a read (WITH … may write): the pool answers a read
// queued behind slow statements with a timeout, never a write.
TEST(Catalog, OnlyStatementsBeginningWithSelectAreReads) {
  auto read = [](const std::string& body) {
    return Catalog::parse("u/r", "-- returns: rows\n-- comment\n\n" + body).read_only;
  };
  EXPECT_TRUE(read("SELECT 1"));
  EXPECT_TRUE(read("select\n1"));
  EXPECT_TRUE(read("SeLeCt(1)"));
  EXPECT_FALSE(read("SELECTED_VIEW_REFRESH()"));
  EXPECT_FALSE(read("WITH t AS (SELECT 1) SELECT * FROM t"));
  EXPECT_FALSE(read("WITH t AS (DELETE FROM x RETURNING 1) SELECT * FROM t"));
  EXPECT_FALSE(read("INSERT INTO x SELECT 1"));
  EXPECT_FALSE(read("/* SELECT */ UPDATE x SET y = 1"));
}

TEST(Catalog, PlaceholdersInLiteralsAndCommentsDoNotCount) {
  auto statement = Catalog::parse(
      "t/echo",
      "-- returns: value\n-- $1: text value\n"
      "SELECT $1::text || '$2;' || \"$3\" || $$ $4; $$ || $x$ $5 $x$ /* $6; */ -- $7;\n");
  EXPECT_EQ(statement.parameters.size(), 1U);
}

TEST(Catalog, RejectsInvalidHeaders) {
  EXPECT_NE(parse_error("SELECT 1").find("no `-- returns:`"), std::string::npos);
  EXPECT_NE(parse_error("-- returns: list\nSELECT 1").find("must be array"), std::string::npos);
  EXPECT_NE(parse_error("-- returns: value\n-- returns: value\nSELECT 1").find("twice"),
            std::string::npos);
  EXPECT_NE(parse_error("-- returns: value\nSELECT $1")
                .find("documents {} but the statement "
                      "uses {1}"),
            std::string::npos);
  EXPECT_NE(parse_error("-- returns: value\n-- $1: text a\nSELECT 1").find("uses {}"),
            std::string::npos);
  EXPECT_NE(parse_error("-- returns: value\n-- $2: text a\nSELECT $2").find("without gaps"),
            std::string::npos);
  EXPECT_NE(parse_error("-- returns: value\n-- $1 text\nSELECT $1").find("-- $N: type name"),
            std::string::npos);
  EXPECT_NE(parse_error("-- returns: none\nDELETE FROM a; DELETE FROM b").find("one statement"),
            std::string::npos);
  EXPECT_NE(parse_error("-- returns: none\n;").find("no statement"), std::string::npos);
}

TEST(Catalog, LoadsTheProjectCatalogAndReportsMissingStatements) {
  auto catalog = Catalog::load({std::filesystem::path(CRUDDUR_SOURCE_DIR) / "db/sql"});
  auto home = catalog.id("activities/home");
  EXPECT_EQ(catalog.at(home).name, "activities/home");
  EXPECT_EQ(catalog.at(home).returns, Returns::rows);  // the page and its cursor key
  EXPECT_THROW((void)catalog.id("activities/nope"), CatalogError);
  EXPECT_THROW(Catalog::load({"/nonexistent/sql"}), CatalogError);
}

TEST(Catalog, AnInvalidFileStopsLoadingAndIsNamed) {
  auto root = std::filesystem::temp_directory_path()
              / ("cruddur_catalog_test_" + std::to_string(::getpid()));
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root / "area");
  std::ofstream(root / "area/bad.sql") << "SELECT 1\n";
  try {
    Catalog::load({root});
    ADD_FAILURE() << "loaded an invalid file";
  } catch (const CatalogError& error) {
    EXPECT_NE(std::string(error.what()).find("area/bad"), std::string::npos);
  }
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace cruddur::db
