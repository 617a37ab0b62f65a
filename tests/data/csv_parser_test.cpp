#include <gtest/gtest.h>

#include "lse/core/errors.hpp"
#include "lse/data/data_table.hpp"

namespace lse::data {
namespace {

std::string ErrorOf(std::string_view text, CsvOptions options = {}) {
    try {
        ParseCsv(text, options, "users.csv");
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

TEST(CsvParser, HeaderNamesColumns) {
    DataTable t = ParseCsv("username,password\nalice,a1\nbob,b2\n", {}, "users.csv");
    ASSERT_EQ(t.ColumnCount(), 2u);
    EXPECT_EQ(t.Columns()[1], "password");
    ASSERT_EQ(t.RowCount(), 2u);
    EXPECT_EQ(t.Cell(1, 0), "bob");
    EXPECT_EQ(t.Cell(1, 1), "b2");
    EXPECT_EQ(t.ColumnIndex("password"), 1);
    EXPECT_EQ(t.ColumnIndex("nope"), -1);
}

TEST(CsvParser, QuotesEscapedQuotesSeparatorsAndLineBreaksInsideQuotes) {
    DataTable t = ParseCsv("a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\"two\r\nlines\",\"\"\r\n", {}, "f.csv");
    ASSERT_EQ(t.RowCount(), 2u);
    EXPECT_EQ(t.Cell(0, 0), "x, y");
    EXPECT_EQ(t.Cell(0, 1), "say \"hi\"");
    EXPECT_EQ(t.Cell(1, 0), "two\r\nlines");
    EXPECT_EQ(t.Cell(1, 1), "");
}

TEST(CsvParser, NoFinalLineEndEmptyLinesAndShortRecords) {
    DataTable t = ParseCsv("a,b,c\n\n1,2\n3,4,", {}, "f.csv");
    ASSERT_EQ(t.RowCount(), 2u);
    EXPECT_EQ(t.Cell(0, 1), "2");
    EXPECT_EQ(t.Cell(0, 2), "");  // a missing field is empty
    EXPECT_EQ(t.Cell(1, 0), "3");
    EXPECT_EQ(t.Cell(1, 2), "");
}

TEST(CsvParser, WithoutHeaderColumnsAreNumbered) {
    CsvOptions o;
    o.header = false;
    o.separator = ';';
    DataTable t = ParseCsv("alice;a,1\nbob;b2\n", o, "f.csv");
    ASSERT_EQ(t.RowCount(), 2u);
    EXPECT_EQ(t.Columns()[0], "1");
    EXPECT_EQ(t.Cell(0, 1), "a,1");
}

TEST(CsvParser, ByteOrderMarkIsNotPartOfTheFirstColumnName) {
    DataTable t = ParseCsv("\xEF\xBB\xBFid\n7\n", {}, "f.csv");
    EXPECT_EQ(t.Columns()[0], "id");
}

TEST(CsvParser, ErrorsNameFileAndLine) {
    EXPECT_EQ(ErrorOf("a,b\n1,2\n\"open,3\n4,5\n"), "users.csv:3: a quoted field is not closed (its closing \" is missing)");
    EXPECT_NE(ErrorOf("a,b\n1,2\n3,4,5\n").find("users.csv:3: a record with 3 fields, but the header names 2"),
              std::string::npos);
    EXPECT_NE(ErrorOf("a\n\"x\"y\n").find("users.csv:2: text after a closing quote"), std::string::npos);
    EXPECT_NE(ErrorOf("a\nx\"y\n").find("users.csv:2: a quote inside an unquoted field"), std::string::npos);
    EXPECT_NE(ErrorOf("a,a\n").find("users.csv:1: the header names column 'a' twice"), std::string::npos);
    // The line of a record after a quoted line break counts that break.
    EXPECT_NE(ErrorOf("a\n\"1\n2\"\n3,4\n").find("users.csv:4:"), std::string::npos);
}

TEST(DataTable, SliceKeepsColumnsAndRows) {
    DataTable t = ParseCsv("n\n1\n2\n3\n4\n", {}, "f.csv");
    DataTable s = t.Slice(1, 3);
    ASSERT_EQ(s.RowCount(), 2u);
    EXPECT_EQ(s.Cell(0, 0), "2");
    EXPECT_EQ(s.Cell(1, 0), "3");
    EXPECT_EQ(t.Slice(3, 9).RowCount(), 1u);
    EXPECT_EQ(t.Slice(4, 4).RowCount(), 0u);
    DataTable rebuilt;
    ASSERT_TRUE(DataTable::FromRaw(s.Columns(), s.Cells(), s.Kinds(), &rebuilt));
    EXPECT_EQ(rebuilt, s);
    EXPECT_FALSE(DataTable::FromRaw({"a", "b"}, {"1"}, {CellKind::kString}, &rebuilt));
}

}  // namespace
}  // namespace lse::data
