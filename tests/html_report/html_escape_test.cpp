#include "lse/html_report/html_escape.hpp"

#include <gtest/gtest.h>

namespace lse::html_report {
namespace {

TEST(HtmlEscape, EscapesMarkupQuotesAndControlCharacters) {
    EXPECT_EQ(HtmlEscape("<a href=\"x\">Tom & Jerry's</a>"),
              "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
    EXPECT_EQ(HtmlEscape(std::string("a\x1f" "b\x7f", 4)), "a?b?");
    EXPECT_EQ(HtmlEscape("plain /api/v1?q=1"), "plain /api/v1?q=1");
}

TEST(JsonForScript, CannotCloseTheScriptElementAndParsesBackUnchanged) {
    const nlohmann::json value = {{"name", "</script><!-- & -->"}, {"n", 1}, {"list", {"<", ">"}}};
    const std::string text = JsonForScript(value);
    EXPECT_EQ(text.find('<'), std::string::npos);
    EXPECT_EQ(text.find('>'), std::string::npos);
    EXPECT_EQ(text.find('&'), std::string::npos);
    EXPECT_EQ(nlohmann::json::parse(text), value);
}

TEST(JsonForScript, InvalidUtf8IsReplacedInsteadOfThrowing) {
    const nlohmann::json value = {{"name", std::string("ok\xff\xfe")}};
    std::string text;
    ASSERT_NO_THROW(text = JsonForScript(value));
    EXPECT_EQ(nlohmann::json::parse(text).at("name"), "ok\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace lse::html_report
