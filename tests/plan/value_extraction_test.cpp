// Extraction rules applied to captured responses, as an agent applies them after each accepted response of a
// correlated flow: every source, patterns, tonumber(), and what makes each fail.

#include "value_extraction.hpp"

#include <gtest/gtest.h>

#include "lse/core/errors.hpp"
#include "lse/testing/compress.hpp"

namespace lse::plan {
namespace {

using lse::testing::Gzip;

http::Result Response(int status, std::vector<std::pair<std::string, std::string>> headers, std::string body) {
    http::Result r;
    r.status = status;
    for (auto& h : headers) r.AddHeader() = std::move(h);
    r.body = std::move(body);
    return r;
}

Extraction Rule(Extraction::Source source, std::string key = "", std::string pattern = "", bool number = false) {
    Extraction e;
    e.source = source;
    e.key = std::move(key);
    e.pattern = std::move(pattern);
    e.number = number;
    return e;
}

struct Outcome {
    bool ok = false;
    ValueSlot slot;
    std::string why;
};

Outcome Apply(const Extraction& rule, const http::Result& r) {
    const CompiledExtraction x = CompileExtraction(rule);
    Outcome o;
    o.slot.text = "stale";  // a slot keeps buffers from the last iteration, never its value
    const char* why = nullptr;
    o.ok = ApplyExtraction(x, r, &o.slot, &why);
    if (!o.ok) o.why = why != nullptr ? why : "(null)";
    return o;
}

const http::Result kOrder = Response(201,
                                     {{"location", "/api/v1/orders/17"},
                                      {"set-cookie", "a=1"},
                                      {"set-cookie", "b=2"},
                                      {"content-type", "application/json"}},
                                     R"({"id": 17, "sku": "A-\u00e9\"1\"", "items": [{"n": "x"}], "price": "12.50"})");

TEST(ValueExtraction, StatusHeadersAndBodyAsLuaSeesThem) {
    Outcome o = Apply(Rule(Extraction::Source::kStatus), kOrder);
    ASSERT_TRUE(o.ok);
    EXPECT_EQ(o.slot.text, "201");
    EXPECT_FALSE(o.slot.json);
    o = Apply(Rule(Extraction::Source::kHeader, "location"), kOrder);
    ASSERT_TRUE(o.ok);
    EXPECT_EQ(o.slot.text, "/api/v1/orders/17");
    o = Apply(Rule(Extraction::Source::kHeader, "set-cookie"), kOrder);  // repeated: joined as r.headers joins
    EXPECT_EQ(o.slot.text, "a=1, b=2");
    o = Apply(Rule(Extraction::Source::kHeader, "x-missing"), kOrder);
    EXPECT_FALSE(o.ok);
    EXPECT_EQ(o.why, "no such header in the response");
    EXPECT_TRUE(o.slot.text.empty());
    o = Apply(Rule(Extraction::Source::kBody), kOrder);
    EXPECT_EQ(o.slot.text, kOrder.body);
}

TEST(ValueExtraction, JsonValuesKeepTheirTokenAndDecodeTheirText) {
    Outcome o = Apply(Rule(Extraction::Source::kJson, "$.id"), kOrder);
    ASSERT_TRUE(o.ok);
    EXPECT_EQ(o.slot.text, "17");
    EXPECT_EQ(o.slot.raw, "17");
    EXPECT_TRUE(o.slot.json);
    EXPECT_EQ(o.slot.kind, extract::JsonKind::kNumber);
    o = Apply(Rule(Extraction::Source::kJson, "$.sku"), kOrder);
    ASSERT_TRUE(o.ok);
    EXPECT_EQ(o.slot.text, "A-\xc3\xa9\"1\"");
    EXPECT_EQ(o.slot.raw, R"("A-\u00e9\"1\"")");
    o = Apply(Rule(Extraction::Source::kJson, "$.items[0]"), kOrder);
    ASSERT_TRUE(o.ok);
    EXPECT_EQ(o.slot.raw, R"({"n": "x"})");
    EXPECT_EQ(o.slot.kind, extract::JsonKind::kObject);
    o = Apply(Rule(Extraction::Source::kJson, "$.missing"), kOrder);
    EXPECT_FALSE(o.ok);
    EXPECT_FALSE(o.why.empty());
    o = Apply(Rule(Extraction::Source::kJson, "$.id"), Response(200, {}, "<html>not json</html>"));
    EXPECT_FALSE(o.ok);
    EXPECT_FALSE(o.why.empty());
}

TEST(ValueExtraction, PatternsTakeTheFirstCaptureAndNumbersAreChecked) {
    const http::Result page = Response(200, {}, R"(<form><input name="csrf" value="tok-9f3a"></form>)");
    Outcome o = Apply(Rule(Extraction::Source::kBody, "", R"P(name="csrf" value="([%w%-]+)")P"), page);
    ASSERT_TRUE(o.ok) << o.why;
    EXPECT_EQ(o.slot.text, "tok-9f3a");
    o = Apply(Rule(Extraction::Source::kHeader, "location", "%d+"), kOrder);  // no capture: the whole match
    EXPECT_EQ(o.slot.text, "1");  // first match scanning from the left: "v1"
    o = Apply(Rule(Extraction::Source::kHeader, "location", "/(%d+)$"), kOrder);
    EXPECT_EQ(o.slot.text, "17");
    o = Apply(Rule(Extraction::Source::kJson, "$.sku", "^A%-(.*)"), kOrder);  // on the decoded text; now a string
    ASSERT_TRUE(o.ok);
    EXPECT_EQ(o.slot.text, "\xc3\xa9\"1\"");
    EXPECT_FALSE(o.slot.json);
    o = Apply(Rule(Extraction::Source::kBody, "", "csrf=(%w+)"), page);
    EXPECT_FALSE(o.ok);
    EXPECT_EQ(o.why, "the pattern does not match");

    // tonumber(): a JSON number stays as written; a numeric string becomes a number; other text fails.
    o = Apply(Rule(Extraction::Source::kJson, "$.price", "", true), kOrder);
    ASSERT_TRUE(o.ok);
    EXPECT_EQ(o.slot.text, "12.50");
    EXPECT_TRUE(o.slot.number);
    EXPECT_FALSE(o.slot.json);
    o = Apply(Rule(Extraction::Source::kHeader, "location", "/(%d+)$", true), kOrder);
    EXPECT_EQ(o.slot.text, "17");
    o = Apply(Rule(Extraction::Source::kJson, "$.sku", "", true), kOrder);
    EXPECT_FALSE(o.ok);
    EXPECT_EQ(o.why, "not a number");
}

TEST(ValueExtraction, ReadNumberFollowsLuaTonumber) {
    const std::pair<std::string, std::string> numbers[] = {
        {"42", "42"}, {" -1.5e3 ", "-1.5e3"}, {"0x1F", "31"}, {"007", "7"}, {"+5", "5"}, {".5", "0.5"}, {"5.", "5"},
        {"12345678901234567890", "12345678901234567890"},  // a JSON number keeps its digits
    };
    for (const auto& [text, want] : numbers) {
        std::string out;
        EXPECT_TRUE(ReadNumber(text, &out)) << text;
        EXPECT_EQ(out, want) << text;
    }
    for (const char* text : {"", "abc", "1 2", "inf", "nan", "1e", "--1", "0x"}) {
        std::string out;
        EXPECT_FALSE(ReadNumber(text, &out)) << text;
    }
}

TEST(ValueExtraction, BadPathsAndPatternsAreRefusedAtSetup) {
    EXPECT_THROW(CompileExtraction(Rule(Extraction::Source::kJson, "id")), UsageError);
    EXPECT_THROW(CompileExtraction(Rule(Extraction::Source::kBody, "", "%b()")), UsageError);
    EXPECT_NO_THROW(CompileExtraction(Rule(Extraction::Source::kJson, "$.items[0].sku", "(%w+)")));
}

TEST(ValueExtraction, ReusedSlotStopsAllocating) {
    const CompiledExtraction x = CompileExtraction(Rule(Extraction::Source::kJson, "$.sku", "", false));
    ValueSlot slot;
    const char* why = nullptr;
    ASSERT_TRUE(ApplyExtraction(x, kOrder, &slot, &why));
    slot.text.reserve(64);
    slot.raw.reserve(64);
    const char* text = slot.text.data();
    const char* raw = slot.raw.data();
    for (int i = 0; i < 50; ++i) ASSERT_TRUE(ApplyExtraction(x, kOrder, &slot, &why));
    EXPECT_EQ(slot.text.data(), text);
    EXPECT_EQ(slot.raw.data(), raw);
    const CompiledExtraction n = CompileExtraction(Rule(Extraction::Source::kJson, "$.price", "", true));
    ASSERT_TRUE(ApplyExtraction(n, kOrder, &slot, &why));  // tonumber swaps its two buffers: no new one
    text = slot.text.data();
    raw = slot.raw.data();
    for (int i = 0; i < 51; ++i) ASSERT_TRUE(ApplyExtraction(n, kOrder, &slot, &why));
    EXPECT_TRUE((slot.text.data() == text && slot.raw.data() == raw) ||
                (slot.text.data() == raw && slot.raw.data() == text));
}

// A gzip body is read as r.body reads it: decoded first (the agent's replay does this once per step).
TEST(ValueExtraction, EncodedBodiesAreDecodedFirst) {
    const http::Result r =
        Response(200, {{"content-encoding", "gzip"}, {"content-type", "application/json"}}, Gzip(R"({"id":"a-17"})"));
    http::ContentDecoder decoder;
    std::string_view body;
    const char* why = nullptr;
    ASSERT_TRUE(ResponseBodyText(r, &decoder, &body, &why));
    EXPECT_EQ(body, R"({"id":"a-17"})");
    const CompiledExtraction x = CompileExtraction(Rule(Extraction::Source::kJson, "$.id"));
    ValueSlot slot;
    ASSERT_TRUE(ApplyExtraction(x, r, body, &slot, &why)) << why;
    EXPECT_EQ(slot.text, "a-17");
    // the same response without decoding is not JSON
    EXPECT_FALSE(Apply(Rule(Extraction::Source::kJson, "$.id"), r).ok);

    const http::Result broken = Response(200, {{"content-encoding", "br"}}, "not brotli");
    EXPECT_FALSE(ResponseBodyText(broken, &decoder, &body, &why));
    EXPECT_EQ(std::string(why).rfind("br: ", 0), 0u) << why;
    const http::Result plain = Response(200, {}, "as is");
    ASSERT_TRUE(ResponseBodyText(plain, &decoder, &body, &why));
    EXPECT_EQ(body.data(), plain.body.data());
}

}  // namespace
}  // namespace lse::plan
