#include "lse/plan/extract/lua_pattern.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

namespace lse::plan::extract {
namespace {

struct Case {
    std::string_view pattern;
    std::string_view subject;
    std::optional<std::string_view> expected;  // nullopt: no match
};

// Expected values are what the reference implementation returns: each row was run through LuaJIT 2.1's
// string.match(subject, pattern) (Lua 5.1 semantics, as single-node scripts run) when this table was
// written, and its answer copied here. The test itself does not run Lua.
constexpr Case kCases[] = {
    {"name=\"csrf\" value=\"([%w%-]+)\"", "<input name=\"csrf\" value=\"abc-123\">", "abc-123"},
    {"csrf=(%w+)", "a=1&csrf=XyZ9&b=2", "XyZ9"},
    {"^abc", "xabc", std::nullopt},
    {"^abc", "abcdef", "abc"},
    {"def$", "abcdef", "def"},
    {"def$", "abcdefg", std::nullopt},
    {"<(.*)>", "<a><b>", "a><b"},
    {"<(.-)>", "<a><b>", "a"},
    {"[%d]+", "ab123cd", "123"},
    {"[^%s]+", "  hello world", "hello"},
    {"%a+", "123abc456", "abc"},
    {"%D+", "123abc456", "abc"},
    {"[a-f]+", "xyzcafebabe!", "cafebabe"},
    {"%.(%w+)$", "file.tar.gz", "gz"},
    {"%%(%d+)", "100%42", "42"},
    {"a?b", "xb", "b"},
    {"a?b", "xab", "ab"},
    {"(h)(e)(l)", "hello", "h"},
    {"x*", "abc", ""},
    {"$", "abc", ""},
    {"%s*(%S+)%s*$", "  token  ", "token"},
    {"\"id\":%s*(%d+)", "{\"id\": 42, \"x\": 1}", "42"},
    {"[%]]", "a]b", "]"},
    {"[]]", "a]b", "]"},
    {"[a-]", "x-y", "-"},
    {"[^]]+", "]]abc]", "abc"},
    {"%x+", "zz0xBEEFg", "0"},
    {"%x%x+", "zz0xBEEFg", "BEEF"},
    {"%u%l+", "hello World", "World"},
    {"%p+", "abc!?.def", "!?."},
    {"%c", "a\x09""b", "\x09"},
    {"%W+", "abc!? def", "!? "},
    {"(%d+)-(%d+)", "10-20", "10"},
    {"a-b", "aaab", "aaab"},
    {".-b", "xaaab", "xaaab"},
    {"^(.-)%s*$", "trim me   ", "trim me"},
    {"(%d+)", "abc", std::nullopt},
    {"^$", "", ""},
    {".", "", std::nullopt},
    {"a+$", "baaa", "aaa"},
    {"[%a_][%w_]*", "  _foo1 bar", "_foo1"},
    {"^[+-]?%d+$", "-42", "-42"},
    {"^[+-]?%d+$", "4-2", std::nullopt},
    {"(a*(.)%w(%s*))", "aaab  c", "aaab  "},
    {"%$(%d+)", "cost $15", "15"},
    {"^%^", "^x", "^"},
    {"a$b", "xa$b", "a$b"},
    {"[^\"]+", "\"quoted\"", "quoted"},
    {"(a)*", "aa*", "a"},
    {"a**", "a***", "a*"},
    {"^(ab)", "abab", "ab"},
    {"(ab)$", "abab", "ab"},
    {"([^&=]+)=([^&=]*)", "k=&x=1", "k"},
    {"token=([^;]*)", "session=1; token=; path=/", ""},
    {"[%w-]+", "--ab-cd", "--ab-cd"},
    {"[1-3]+", "0123456", "123"},
    {"%w-(%d)", "abc5", "5"},
    {"<a href=\"(.-)\"", "<p><a href=\"/next?page=2\">next</a></p>", "/next?page=2"},
    {"^%s*(.-)%s*$", "", ""},
    {"%s", "a\x0b""b", "\x0b"},
    {"[%s%d]+", "ab 12 3cd", " 12 3"},
    {"[%S]+", "   x", "x"},
    {"%[(.-)%]", "list[42]", "42"},
    {"%-(%d)", "1-2", "2"},
    {".%-", "a-", "a-"},
    {"%z", std::string_view("a\x00""b", 3), std::string_view("\x00", 1)},
    {"[\x80-\xff]+", "ab\xc3\xa9""cd", "\xc3\xa9"},
    {"%a", "\xc3\xa9""a", "a"},
};

TEST(LuaPattern, MatchesLikeLua) {
    for (const Case& c : kCases) {
        SCOPED_TRACE(::testing::Message() << "pattern '" << c.pattern << "' on '" << c.subject << "'");
        LuaPattern pattern;
        std::string error;
        ASSERT_TRUE(pattern.Compile(c.pattern, &error)) << error;
        EXPECT_EQ(pattern.Source(), c.pattern);
        std::string_view value;
        const bool matched = pattern.Match(c.subject, &value);
        ASSERT_EQ(matched, c.expected.has_value());
        if (matched) {
            EXPECT_EQ(value, *c.expected);
        }
    }
}

TEST(LuaPattern, ValueIsAViewIntoTheSubject) {
    const std::string body = "<form><input name=\"csrf\" value=\"abc-123\"></form>";
    LuaPattern pattern;
    ASSERT_TRUE(pattern.Compile("name=\"csrf\" value=\"([%w%-]+)\"", nullptr));
    std::string_view value;
    ASSERT_TRUE(pattern.Match(body, &value));
    EXPECT_EQ(value, "abc-123");
    EXPECT_EQ(value.data(), body.data() + body.find("abc-123"));
}

TEST(LuaPattern, ACompiledPatternMatchesManySubjects) {
    LuaPattern pattern;
    ASSERT_TRUE(pattern.Compile("id=(%d+)", nullptr));
    std::string_view value;
    ASSERT_TRUE(pattern.Match("x&id=7", &value));
    EXPECT_EQ(value, "7");
    EXPECT_FALSE(pattern.Match("x&id=", &value));
    ASSERT_TRUE(pattern.Match("id=12345", &value));
    EXPECT_EQ(value, "12345");
}

TEST(LuaPattern, RefusesWhatTheSubsetLeavesOut) {
    const struct {
        std::string_view pattern;
        std::string_view message;
    } kRefused[] = {
        {"%b()", "%b is not supported"},
        {"%f[%w]", "%f is not supported"},
        {"(a)%1", "back-references (%1) are not supported"},
        {"%0", "back-references (%0) are not supported"},
        {"()a", "position captures () are not supported"},
        {"(a)(b)(c)(d)(e)(f)(g)(h)(i)", "more than 8 captures"},
        {"abc%", "malformed pattern (ends with '%')"},
        {"[abc", "malformed pattern (missing ']')"},
        {"[a%]", "malformed pattern (missing ']')"},
        {"[", "malformed pattern (missing ']')"},
        {"(abc", "unfinished capture"},
        {"((a)", "unfinished capture"},
        {"abc)", "invalid pattern capture"},
        {std::string_view("a\0b", 3), "NUL byte"},
    };
    for (const auto& r : kRefused) {
        LuaPattern pattern;
        std::string error;
        EXPECT_FALSE(pattern.Compile(r.pattern, &error)) << r.pattern;
        EXPECT_NE(error.find(r.message), std::string::npos) << r.pattern << ": " << error;
        EXPECT_NE(error.find("pattern '"), std::string::npos) << error;
    }
}

TEST(LuaPattern, AcceptsEightCapturesAndQuotedSpecials) {
    LuaPattern pattern;
    std::string error;
    EXPECT_TRUE(pattern.Compile("(a)(b)(c)(d)(e)(f)(g)(h)", &error)) << error;
    std::string_view value;
    ASSERT_TRUE(pattern.Match("xabcdefgh", &value));
    EXPECT_EQ(value, "a");
    // %b and %f as set members or after an escape are ordinary bytes, as in Lua.
    EXPECT_TRUE(pattern.Compile("[%b%f]+", &error)) << error;
    EXPECT_TRUE(pattern.Compile("%%b", &error)) << error;
    ASSERT_TRUE(pattern.Match("50%b", &value));
    EXPECT_EQ(value, "%b");
}

// Adversarial inputs hit the matcher's bounds and fail instead of exhausting the stack or the CPU.
TEST(LuaPattern, DeepRecursionFailsInsteadOfOverflowing) {
    std::string deep;
    for (int i = 0; i < 300; ++i) deep += "a?";
    LuaPattern pattern;
    std::string error;
    ASSERT_TRUE(pattern.Compile(deep, &error)) << error;
    std::string_view value;
    EXPECT_FALSE(pattern.Match(std::string(300, 'a'), &value));
}

TEST(LuaPattern, QuadraticBacktrackingIsBounded) {
    LuaPattern pattern;
    ASSERT_TRUE(pattern.Compile("(.-)x(.-)y(.-)z$", nullptr));
    // Without a bound this is cubic in the subject: far too slow for a per-response extraction.
    const std::string subject(200'000, 'x');
    std::string_view value;
    EXPECT_FALSE(pattern.Match(subject, &value));
    // A pattern that does a linear amount of work per position still matches in a large body.
    ASSERT_TRUE(pattern.Compile("csrf=(%w+)", nullptr));
    std::string body(1'000'000, 'c');
    body += "csrf=tok1";
    ASSERT_TRUE(pattern.Match(body, &value));
    EXPECT_EQ(value, "tok1");
}

TEST(LuaPattern, EmptyPatternMatchesTheEmptyPrefix) {
    LuaPattern pattern;
    ASSERT_TRUE(pattern.Compile("", nullptr));
    std::string_view value = "unchanged";
    ASSERT_TRUE(pattern.Match("abc", &value));
    EXPECT_EQ(value, "");
    ASSERT_TRUE(pattern.Match("", &value));
    EXPECT_EQ(value, "");
}

}  // namespace
}  // namespace lse::plan::extract
