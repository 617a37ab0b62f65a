#include "lse/plan/extract/json_path.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace lse::plan::extract {
namespace {

JsonPath Path(std::string_view text) {
    JsonPath path;
    std::string error;
    EXPECT_TRUE(ParseJsonPath(text, &path, &error)) << text << ": " << error;
    return path;
}

struct Found {
    bool ok = false;
    std::string_view raw;
    JsonKind kind = JsonKind::kCount;
    std::string why;
};

Found Find(std::string_view json, std::string_view path) {
    Found f;
    const char* why = nullptr;
    f.ok = FindJsonValue(json, Path(path), &f.raw, &f.kind, &why);
    if (!f.ok) f.why = why != nullptr ? why : "(null)";
    return f;
}

TEST(JsonPath, ParsesEveryStepKind) {
    const JsonPath path = Path("$.items[12][\"content-type\"]._x9");
    ASSERT_EQ(path.steps.size(), 4u);
    EXPECT_FALSE(path.steps[0].is_index);
    EXPECT_EQ(path.steps[0].key, "items");
    EXPECT_TRUE(path.steps[1].is_index);
    EXPECT_EQ(path.steps[1].index, 12u);
    EXPECT_EQ(path.steps[2].key, "content-type");
    EXPECT_EQ(path.steps[3].key, "_x9");
    EXPECT_TRUE(Path("$").steps.empty());
}

TEST(JsonPath, FormatIsParsesInverse) {
    for (std::string_view text : {"$", "$.id", "$.items[0].sku", "$[\"content-type\"]", "$[2].id",
                                  "$[\"a\\\"b\\\\c\"]", "$[\"with space\"][3]", "$[\"\"]", "$[\"1st\"]",
                                  "$[4294967295]", "$[\"caf\xc3\xa9\"]"}) {
        const JsonPath path = Path(text);
        EXPECT_EQ(FormatJsonPath(path), text);
        EXPECT_EQ(Path(FormatJsonPath(path)), path);
    }
    // Non-canonical spellings parse to the same path and format canonically.
    EXPECT_EQ(FormatJsonPath(Path("$[\"id\"]")), "$.id");
    EXPECT_EQ(FormatJsonPath(Path("$[\"\\u00e9\\/\"]")), "$[\"\xc3\xa9/\"]");
    EXPECT_EQ(FormatJsonPath(Path("$[\"a\\nb\"]")), "$[\"a\\u000ab\"]");
    EXPECT_EQ(Path(FormatJsonPath(Path("$[\"a\\nb\"]"))).steps[0].key, "a\nb");
}

TEST(JsonPath, RefusesMalformedPathsNamingTheOffset) {
    const struct {
        std::string_view text;
        std::string_view message;
    } kBad[] = {
        {"", "expected '$' at offset 0"},
        {"id", "expected '$' at offset 0"},
        {"$.", "expected a member name after '.' at offset 2"},
        {"$.1a", "expected a member name after '.' at offset 2"},
        {"$.a b", "expected '.' or '[' at offset 3"},
        {"$[", "expected an index or a quoted key after '[' at offset 2"},
        {"$[x]", "expected an index or a quoted key after '[' at offset 2"},
        {"$[01]", "leading zero at offset 2"},
        {"$[4294967296]", "index too large at offset 2"},
        {"$[1", "expected ']' at offset 3"},
        {"$[\"a\"", "expected ']' at offset 5"},
        {"$[\"a", "bad JSON string at offset 2"},
        {"$[\"\\q\"]", "bad JSON string at offset 2"},
        {"$a", "expected '.' or '[' at offset 1"},
    };
    for (const auto& b : kBad) {
        JsonPath path;
        std::string error;
        EXPECT_FALSE(ParseJsonPath(b.text, &path, &error)) << b.text;
        EXPECT_NE(error.find(b.message), std::string::npos) << b.text << ": " << error;
        EXPECT_NE(error.find("bad JSON path"), std::string::npos) << error;
    }
}

TEST(JsonPath, FindsTheExactTokenText) {
    Found f = Find(R"({"id": 42, "x": 1})", "$.id");
    ASSERT_TRUE(f.ok) << f.why;
    EXPECT_EQ(f.raw, "42");
    EXPECT_EQ(f.kind, JsonKind::kNumber);

    f = Find(R"({"items":[{"sku":"A-1"},{"sku":"B\"2"}]})", "$.items[1].sku");
    ASSERT_TRUE(f.ok) << f.why;
    EXPECT_EQ(f.raw, R"("B\"2")");
    EXPECT_EQ(f.kind, JsonKind::kString);

    f = Find(" {\"a\" : { \"b\" : [ 1 , 2 ] } } \n", "$.a");
    ASSERT_TRUE(f.ok) << f.why;
    EXPECT_EQ(f.raw, R"({ "b" : [ 1 , 2 ] })");
    EXPECT_EQ(f.kind, JsonKind::kObject);

    f = Find(" [1, [2, 3]]\t", "$");
    ASSERT_TRUE(f.ok) << f.why;
    EXPECT_EQ(f.raw, "[1, [2, 3]]");
    EXPECT_EQ(f.kind, JsonKind::kArray);

    f = Find(R"({"a":[[],{}]})", "$.a[0]");
    ASSERT_TRUE(f.ok) << f.why;
    EXPECT_EQ(f.raw, "[]");
    f = Find(R"({"a":[[],{}]})", "$.a[1]");
    ASSERT_TRUE(f.ok) << f.why;
    EXPECT_EQ(f.raw, "{}");
}

TEST(JsonPath, ReportsEveryKind) {
    const std::string_view doc = R"({"s":"x","n":-0.5e+10,"t":true,"f":false,"z":null,"o":{},"a":[]})";
    const struct {
        std::string_view path;
        std::string_view raw;
        JsonKind kind;
    } kWant[] = {
        {"$.s", "\"x\"", JsonKind::kString}, {"$.n", "-0.5e+10", JsonKind::kNumber},
        {"$.t", "true", JsonKind::kTrue},    {"$.f", "false", JsonKind::kFalse},
        {"$.z", "null", JsonKind::kNull},    {"$.o", "{}", JsonKind::kObject},
        {"$.a", "[]", JsonKind::kArray},
    };
    for (const auto& w : kWant) {
        const Found f = Find(doc, w.path);
        ASSERT_TRUE(f.ok) << w.path << ": " << f.why;
        EXPECT_EQ(f.raw, w.raw);
        EXPECT_EQ(f.kind, w.kind) << w.path;
    }
}

TEST(JsonPath, MatchesKeysThroughTheirEscapes) {
    const std::string_view doc = R"({"content-type":"text/html","a\u0062":7,"\u00e9t\u00e9":"summer","q\"":1})";
    EXPECT_EQ(Find(doc, "$[\"content-type\"]").raw, "\"text/html\"");
    EXPECT_EQ(Find(doc, "$.ab").raw, "7");
    EXPECT_EQ(Find(doc, "$[\"\xc3\xa9t\xc3\xa9\"]").raw, "\"summer\"");
    EXPECT_EQ(Find(doc, "$[\"q\\\"\"]").raw, "1");
    EXPECT_EQ(Find(doc, "$.a").why, "no such member");
}

// As lsengine's Lua json() (a DOM parser) keeps it: the last occurrence of a repeated key wins, at
// whatever level the repetition is.
TEST(JsonPath, TheLastDuplicateKeyWins) {
    EXPECT_EQ(Find(R"({"id":1,"id":2})", "$.id").raw, "2");
    EXPECT_EQ(Find(R"({"a":{"x":1},"a":{"x":3}})", "$.a.x").raw, "3");
    EXPECT_EQ(Find(R"({"a":{"x":1},"b":0,"a":{"y":2}})", "$.a.x").why, "no such member");
    EXPECT_EQ(Find(R"({"a":{"x":1},"a":5})", "$.a.x").why, "not an object");
    EXPECT_EQ(Find(R"({"a":5,"a":{"x":1}})", "$.a.x").raw, "1");
    EXPECT_EQ(Find(R"({"a":[{"x":{"y":1,"y":2}}],"a":[{"x":{"y":3}},0]})", "$.a[0].x.y").raw, "3");
    EXPECT_EQ(Find(R"({"a":[1,2,3],"a":[1]})", "$.a[2]").why, "index past the end of the array");
}

TEST(JsonPath, SaysWhyAValueIsMissing) {
    EXPECT_EQ(Find(R"({"name":"x"})", "$.id").why, "no such member");
    EXPECT_EQ(Find(R"({})", "$.id").why, "no such member");
    EXPECT_EQ(Find(R"({"items":[1,2]})", "$.items[2]").why, "index past the end of the array");
    EXPECT_EQ(Find(R"({"items":[]})", "$.items[0]").why, "index past the end of the array");
    EXPECT_EQ(Find(R"([1])", "$.a").why, "not an object");
    EXPECT_EQ(Find(R"({"a":"s"})", "$.a.b").why, "not an object");
    EXPECT_EQ(Find(R"({"a":1})", "$[0]").why, "not an array");
    EXPECT_EQ(Find(R"({"a":{"0":1}})", "$.a[0]").why, "not an array");
    EXPECT_EQ(Find(R"("text")", "$[0]").why, "not an array");
    // The rest of the document is still validated after a miss.
    EXPECT_EQ(Find(R"({"a":1,"b":})", "$.c").why, "the body is not JSON");
}

TEST(JsonPath, ValidatesWhatItSkips) {
    for (std::string_view bad : {"", "   ", "abc", "{\"a\":1", "{\"a\":1}x", "{\"a\":1}{}", "{\"a\":01}",
                                 "{\"a\":1.}", "{\"a\":-}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":+1}",
                                 "{\"a\":\"\\q\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\\ud800\"}",
                                 "{\"a\":\"\\udc00\"}", "{\"a\":\"\\ud800\\u0041\"}", "{\"a\":\"x\ny\"}",
                                 "{'a':1}", "[1,]", "{\"a\":1,}", "[1 2]", "{\"a\" 1}", "{\"a\":tru}",
                                 "{\"a\":nul}", "{\"a\":\"\xff\"}", "{\"a\":\"\xc3\"}", "{\"a\":\"\xed\xa0\x80\"}",
                                 "{\"a\":\"\xc0\xaf\"}", "{1:2}", "[}", "{]", "\"open", "{\"id\":1,\"x\":[1,{]}"}) {
        const Found f = Find(bad, "$.id");
        EXPECT_FALSE(f.ok) << bad;
        EXPECT_EQ(f.why, "the body is not JSON") << bad;
    }
    // Valid documents with every construct skipped on the way to the value.
    const std::string_view good =
        R"({"s":"\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00","n":[0,-1,2.5,1E5,-0.0e-3],"l":[true,false,null],)"
        "\"u\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\",\"o\":{\"x\":{\"y\":[{}]}},\"id\":7}";
    EXPECT_EQ(Find(good, "$.id").raw, "7");
}

TEST(JsonPath, BoundsTheNestingDepth) {
    const std::string ok = std::string(256, '[') + std::string(256, ']');
    EXPECT_TRUE(Find(ok, "$").ok);
    EXPECT_EQ(Find(ok, "$[0][0]").raw, std::string(254, '[') + std::string(254, ']'));
    const std::string deep = std::string(257, '[') + std::string(257, ']');
    EXPECT_EQ(Find(deep, "$").why, "the JSON nests deeper than 256 levels");
    EXPECT_EQ(Find(std::string(100000, '['), "$").why, "the JSON nests deeper than 256 levels");
}

TEST(JsonPath, AppendJsonTextDecodesStrings) {
    std::string out = ">";
    EXPECT_TRUE(AppendJsonText(R"("a\nb\"c\\d\/e\bf\fg\rh\ti")", JsonKind::kString, &out));
    EXPECT_EQ(out, ">a\nb\"c\\d/e\bf\fg\rh\ti");
    out.clear();
    EXPECT_TRUE(AppendJsonText(R"("\u00e9\u20ac\ud83d\ude00\u0041")", JsonKind::kString, &out));
    EXPECT_EQ(out, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" "A");
    out.clear();
    EXPECT_TRUE(AppendJsonText(R"("")", JsonKind::kString, &out));
    EXPECT_EQ(out, "");
    // Other tokens are their own text.
    out.clear();
    EXPECT_TRUE(AppendJsonText("-1.5e3", JsonKind::kNumber, &out));
    EXPECT_TRUE(AppendJsonText("true", JsonKind::kTrue, &out));
    EXPECT_TRUE(AppendJsonText(R"({"a":"\n"})", JsonKind::kObject, &out));
    EXPECT_EQ(out, R"(-1.5e3true{"a":"\n"})");
    // Invalid escapes.
    out.clear();
    EXPECT_FALSE(AppendJsonText(R"("\x")", JsonKind::kString, &out));
    EXPECT_FALSE(AppendJsonText(R"("\ud800")", JsonKind::kString, &out));
    EXPECT_FALSE(AppendJsonText(R"("\u00g0")", JsonKind::kString, &out));
    EXPECT_FALSE(AppendJsonText("x", JsonKind::kString, &out));
}

TEST(JsonPath, FoundStringsDecode) {
    const Found f = Find(R"({"token":"a\u002Fb\\c"})", "$.token");
    ASSERT_TRUE(f.ok);
    std::string out;
    ASSERT_TRUE(AppendJsonText(f.raw, f.kind, &out));
    EXPECT_EQ(out, "a/b\\c");
}

}  // namespace
}  // namespace lse::plan::extract
