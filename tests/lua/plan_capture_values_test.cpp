// Response values in plan capture (issue 14): a response's values used by later requests of the same
// iteration become Extraction rules on the step they come from and kValue segments where they are used;
// every use agents cannot replay is a capture problem naming the task, file:line and the reason. No server:
// tasks are recorded, never sent.

#include <gtest/gtest.h>

#include <algorithm>

#include "lse/lua/plan_capture.hpp"
#include "lse/lua/shared_store.hpp"
#include "lse/plan/plan_codec.hpp"
#include "plan_capture_templates.hpp"

namespace lse::lua {
namespace {

using plan::Extraction;
using plan::Segment;
using plan::ValueEncoding;
using Source = Extraction::Source;

Segment Lit(const std::string& text) {
    Segment s;
    s.text = text;
    return s;
}
Segment Value(std::int64_t slot, ValueEncoding encoding) {
    Segment s;
    s.kind = Segment::Kind::kValue;
    s.a = slot;
    s.b = static_cast<std::int64_t>(encoding);
    return s;
}
Segment Seq() {
    Segment s;
    s.kind = Segment::Kind::kSeq;
    return s;
}
Extraction Rule(Source source, const std::string& key, std::uint32_t slot, const std::string& pattern = "",
                bool number = false) {
    Extraction e;
    e.source = source;
    e.key = key;
    e.pattern = pattern;
    e.number = number;
    e.slot = slot;
    return e;
}

std::string Join(const std::vector<std::string>& list) {
    std::string out;
    for (const auto& m : list) out += m + "\n";
    return out;
}

class CaptureValues : public ::testing::Test {
protected:
    static std::shared_ptr<LuaRunConfig> Config(const std::string& file, const std::string& scenario) {
        auto cfg = std::make_shared<LuaRunConfig>();
        cfg->script_path = Path(file);
        cfg->scenario = scenario;
        cfg->target = http::ParseUrl("http://127.0.0.1:9/");  // discard port: any send would fail
        cfg->shared = std::make_shared<SharedStore>();
        return cfg;
    }
    static std::string Path(const std::string& file) { return std::string(LSE_LUA_TEST_SCRIPTS) + "/" + file; }

    const plan::PlannedRequest& Request(const plan::ScenarioPlan& p, int task, std::size_t step) {
        return p.requests[p.vusers.at(0).task_steps.at(static_cast<std::size_t>(task)).at(step).request];
    }
    const plan::Step& Step(const plan::ScenarioPlan& p, int task, std::size_t step) {
        return p.vusers.at(0).task_steps.at(static_cast<std::size_t>(task)).at(step);
    }
};

TEST(CaptureValueTemplates, MarkersParseIntoValueSegmentsWithTheirEncoding) {
    const std::int64_t ref = capture::PackValueRef(7, 3);
    const std::string raw = capture::ValuePlaceholder(ref, ValueEncoding::kRaw);
    EXPECT_EQ(capture::ParseTemplate("/o/" + raw).segments,
              (std::vector<Segment>{Lit("/o/"), Value(ref, ValueEncoding::kRaw)}));
    std::string form = "a=" + raw;
    capture::MarkPercentEncoded(&form);
    EXPECT_EQ(capture::ParseTemplate(form).segments,
              (std::vector<Segment>{Lit("a="), Value(ref, ValueEncoding::kPercent)}));
    // In JSON: a jval marker that is a whole string is a whole value; text markers stay inside their string.
    const std::string whole = capture::ValuePlaceholder(ref, ValueEncoding::kJsonValue);
    EXPECT_EQ(capture::ParseJsonTemplate("{\"a\":\"" + whole + "\",\"b\":\"x" + raw + "\"}").segments,
              (std::vector<Segment>{Lit("{\"a\":"), Value(ref, ValueEncoding::kJsonValue), Lit(",\"b\":\"x"),
                                    Value(ref, ValueEncoding::kJsonString), Lit("\"}")}));
    EXPECT_TRUE(capture::StartsWithValue(raw + "?x=1"));
    EXPECT_FALSE(capture::StartsWithValue("/" + raw));
    EXPECT_EQ(capture::DisplayText("GET /o/" + raw, [](std::int64_t) { return std::string("id"); }), "GET /o/{id}");
}

TEST_F(CaptureValues, CorrelatedFlowsBecomeExtractionRulesAndValueSegments) {
    PlanCapture capture(Config("capture_correlated.lua", "correlated"));
    const CaptureOutcome out = capture.Capture(2, plan::LoadShape{});
    ASSERT_TRUE(out.problems.empty()) << Join(out.problems);
    const plan::ScenarioPlan& p = out.plan;
    ASSERT_EQ(p.tasks.size(), 4u);
    EXPECT_EQ(p.tasks[0].on_extract_error, plan::OnExtractError::kEmpty);
    EXPECT_EQ(p.tasks[1].on_extract_error, plan::OnExtractError::kSkip);
    const std::string origin = "http://127.0.0.1:9";

    // crud: one rule for the id, used raw in three paths and as a whole value and inside a string of the json body.
    EXPECT_EQ(Step(p, 0, 0).extract, std::vector<Extraction>{Rule(Source::kJson, "$.id", 0)});
    EXPECT_EQ(Request(p, 0, 0).body.segments, (std::vector<Segment>{Lit("{\"sku\":\"A-"), Seq(), Lit("\"}")}));
    for (std::size_t step = 1; step <= 3; ++step) {
        EXPECT_TRUE(Step(p, 0, step).extract.empty());
        EXPECT_EQ(Request(p, 0, step).url.segments,
                  (std::vector<Segment>{Lit(origin + "/api/v1/orders/"), Value(0, ValueEncoding::kRaw)}));
    }
    EXPECT_EQ(Request(p, 0, 2).body.segments,
              (std::vector<Segment>{Lit("{\"id\":"), Value(0, ValueEncoding::kJsonValue), Lit(",\"qty\":2,\"ref\":\"o-"),
                                    Value(0, ValueEncoding::kJsonString), Lit("\"}")}));
    EXPECT_EQ(Request(p, 0, 3).name, "DELETE /api/v1/orders/{id}");  // the default name shows the value's label
    EXPECT_TRUE(out.warnings.empty()) << Join(out.warnings);  // check("created", r.status == 201) included

    // form: the token from the body by pattern, percent-encoded in the form body.
    EXPECT_EQ(Step(p, 1, 0).extract,
              std::vector<Extraction>{Rule(Source::kBody, "", 0, "name=\"csrf\" value=\"([%w%-]+)\"")});
    EXPECT_EQ(Request(p, 1, 1).body.segments, (std::vector<Segment>{Lit("csrf="), Value(0, ValueEncoding::kPercent),
                                                                     Lit("&text=hi%20there")}));

    // redirect: the Location header is the whole target of the next request (the agent resolves it).
    EXPECT_EQ(Step(p, 2, 0).extract, std::vector<Extraction>{Rule(Source::kHeader, "location", 0)});
    EXPECT_EQ(Request(p, 2, 1).url.segments, (std::vector<Segment>{Lit(origin), Value(0, ValueEncoding::kRaw)}));
    EXPECT_EQ(Request(p, 2, 1).name, "GET /landing/{id}");

    // mixed (a sleep between: step 1 is the pause): slots in order of first use (query, headers, body).
    ASSERT_TRUE(Step(p, 3, 1).pause);
    EXPECT_EQ(Step(p, 3, 0).extract,
              (std::vector<Extraction>{Rule(Source::kJson, "$.items[0].sku", 0), Rule(Source::kHeader, "etag", 1),
                                       Rule(Source::kStatus, "", 2, "", true),
                                       Rule(Source::kJson, "$.items[0][\"unit-price\"]", 3, "", true)}));
    const plan::PlannedRequest& cart = Request(p, 3, 2);
    EXPECT_EQ(cart.url.segments,
              (std::vector<Segment>{Lit(origin + "/api/cart?q=a%20b"), Value(0, ValueEncoding::kPercent),
                                    Lit("&sku="), Value(0, ValueEncoding::kPercent)}));
    std::vector<std::pair<std::string, plan::Template>> headers;
    for (const auto& h : cart.headers) {
        if (h.first.rfind("X-", 0) == 0) headers.push_back(h);
    }
    ASSERT_EQ(headers.size(), 2u);
    EXPECT_EQ(headers[0].second.segments, std::vector<Segment>{Value(1, ValueEncoding::kRaw)});
    EXPECT_EQ(headers[1].second.segments, std::vector<Segment>{Value(0, ValueEncoding::kRaw)});
    EXPECT_EQ(cart.body.segments,
              (std::vector<Segment>{Lit("{\"code\":"), Value(2, ValueEncoding::kJsonValue), Lit(",\"price\":"),
                                    Value(3, ValueEncoding::kJsonValue), Lit(",\"sku\":"),
                                    Value(0, ValueEncoding::kJsonValue), Lit(",\"text\":\""),
                                    Value(0, ValueEncoding::kJsonString), Lit("\"}")}));
    EXPECT_EQ(Request(p, 3, 3).name, "GET /api/items/{sku}");

    // Both virtual users captured the same thing: the requests are shared.
    EXPECT_EQ(p.vusers[0].task_steps[2], p.vusers[1].task_steps[2]);

    // What agents accept: every slot filled by an earlier step, paths and patterns valid; the codec keeps it all.
    std::string error;
    EXPECT_TRUE(plan::CheckScenarioPlan(p, &error)) << error;
    plan::Plan whole;
    whole.scenarios.push_back(p);
    plan::Plan decoded;
    ASSERT_TRUE(plan::DecodePlan(plan::EncodePlan(whole), &decoded, &error)) << error;
    EXPECT_EQ(decoded.scenarios.at(0), p);
}

TEST_F(CaptureValues, EveryUnsupportedUseIsAProblemNamingTaskLineAndReason) {
    PlanCapture capture(Config("capture_value_problems.lua", "valueproblems"));
    const CaptureOutcome out = capture.Capture(2, plan::LoadShape{});
    const std::string path = Path("capture_value_problems.lua");
    struct Expected {
        std::string task;
        int task_line;
        int line;
        std::string reason;
    };
    const std::vector<Expected> expected = {
        {"eq", 3, 5, "branches on a response value at " + path + ":5 (== or ~=)"},
        {"ne", 7, 9, "branches on a response value at " + path + ":9 (== or ~=)"},
        {"lt", 11, 13, "branches on a response value at " + path + ":13 (< or >)"},
        {"arith", 15, 17, "arithmetic on r:json().id is not supported"},
        {"len", 19, 21, "the length (#) of r:json().items is not supported"},
        {"ipairs", 23, 25, "a loop (pairs/ipairs) over r:json().items is not supported"},
        {"pairs", 27, 29, "a loop (pairs/ipairs) over r:json() is not supported"},
        {"bodyfield", 31, 33, "indexing r.body (.id) is not supported"},
        {"stale", 40, 41, "a response value from another task iteration is used (kept in self?)"},
        {"staleurl", 43, 44, "a response value from another task iteration is used (kept in self?)"},
        {"error", 46, 48, "reads the response (r.error at " + path + ":48)"},
        {"badpattern", 50, 52, "%b"},
        {"upper", 54, 56, "header names in r.headers are lower-case"},
        {"host", 64, 66, "a response value in the origin (scheme, host, port) of a URL is not supported"},
        {"redirects", 68, 70, "reads the response (r.redirects at " + path + ":70)"},
    };
    for (const Expected& e : expected) {
        const std::string label = "task '" + e.task + "' (" + path + ":" + std::to_string(e.task_line) + ")";
        const std::string line = path + ":" + std::to_string(e.line);
        const bool found = std::any_of(out.problems.begin(), out.problems.end(), [&](const std::string& m) {
            return m.rfind(label, 0) == 0 && m.find(line) != std::string::npos && m.find(e.reason) != std::string::npos;
        });
        EXPECT_TRUE(found) << e.task << ": " << e.reason << "\n" << Join(out.problems);
    }
    EXPECT_EQ(out.problems.size(), expected.size()) << Join(out.problems);
    for (const std::string fine : {"'keep'", "'checked'"}) {
        EXPECT_FALSE(std::any_of(out.problems.begin(), out.problems.end(),
                                 [&](const std::string& m) { return m.find(fine) != std::string::npos; }))
            << fine << "\n" << Join(out.problems);
    }
}

}  // namespace
}  // namespace lse::lua
