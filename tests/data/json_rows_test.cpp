#include <gtest/gtest.h>

#include "lse/core/errors.hpp"
#include "lse/data/data_table.hpp"

namespace lse::data {
namespace {

std::string ErrorOf(std::string_view text) {
    try {
        ParseJsonRows(text, "users.json");
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

TEST(JsonRows, ArrayOfObjectsColumnsInOrderOfFirstAppearance) {
    DataTable t = ParseJsonRows(R"([{"user":"a","n":1},{"n":2.5,"ok":true,"tags":["x"]},{"user":null}])", "u.json");
    ASSERT_EQ(t.Columns(), (std::vector<std::string>{"user", "n", "ok", "tags"}));
    ASSERT_EQ(t.RowCount(), 3u);
    EXPECT_EQ(t.Cell(0, 0), "a");
    EXPECT_EQ(t.Kind(0, 0), CellKind::kString);
    EXPECT_EQ(t.Cell(0, 1), "1");
    EXPECT_EQ(t.Kind(0, 1), CellKind::kNumber);
    EXPECT_EQ(t.Kind(0, 2), CellKind::kNull);  // missing key
    EXPECT_EQ(t.Cell(1, 1), "2.5");
    EXPECT_EQ(t.Cell(1, 2), "true");
    EXPECT_EQ(t.Kind(1, 2), CellKind::kBool);
    EXPECT_EQ(t.Cell(1, 3), "[\"x\"]");
    EXPECT_EQ(t.Kind(1, 3), CellKind::kJson);
    EXPECT_EQ(t.Kind(2, 0), CellKind::kNull);
}

TEST(JsonRows, ArrayOfValuesIsOneColumn) {
    DataTable t = ParseJsonRows(R"(["a", 2])", "u.json");
    ASSERT_EQ(t.Columns(), std::vector<std::string>{"value"});
    EXPECT_EQ(t.Cell(1, 0), "2");
}

TEST(JsonRows, ErrorsNameFileAndPosition) {
    EXPECT_NE(ErrorOf("[\n {\"a\": 1,}\n]").find("users.json: invalid JSON at line 2, column"), std::string::npos);
    EXPECT_EQ(ErrorOf(R"({"a":1})"), "users.json: a JSON data file must be an array (of objects, or of values); it is a object");
    EXPECT_NE(ErrorOf(R"([{"a":1}, 3])").find("element 2 of the array is not an object"), std::string::npos);
}

}  // namespace
}  // namespace lse::data
