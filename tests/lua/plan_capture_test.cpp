// Plan capture (distributed runs) without a server: tasks are recorded, never sent, so a
// target nobody listens on is enough. on_start against a real target is in
// plan_capture_integration_test.cpp.

#include "lse/lua/plan_capture.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "lse/core/clock.hpp"
#include "lse/core/errors.hpp"
#include "lse/lua/shared_store.hpp"
#include "lse/plan/compiled_request.hpp"
#include "plan_capture_recorder.hpp"
#include "plan_capture_templates.hpp"

namespace lse::lua {
namespace {

using plan::Segment;
using plan::Template;

Segment Lit(const std::string& text) {
    Segment s;
    s.text = text;
    return s;
}
Segment Placeholder(Segment::Kind kind, std::int64_t a = 0, std::int64_t b = 0) {
    Segment s;
    s.kind = kind;
    s.a = a;
    s.b = b;
    return s;
}

TEST(CaptureTemplates, PlaceholdersParseBackIntoSegments) {
    using capture::ParseTemplate;
    EXPECT_TRUE(ParseTemplate("").segments.empty());
    EXPECT_EQ(ParseTemplate("/plain").segments, std::vector<Segment>{Lit("/plain")});
    const std::string text = "/a/" + capture::SeqPlaceholder() + "?r=" + capture::RandomPlaceholder(-5, 10) +
                             capture::UuidPlaceholder();
    EXPECT_EQ(ParseTemplate(text).segments,
              (std::vector<Segment>{Lit("/a/"), Placeholder(Segment::Kind::kSeq), Lit("?r="),
                                    Placeholder(Segment::Kind::kRandom, -5, 10), Placeholder(Segment::Kind::kUuid)}));
    // Malformed placeholders stay literal text.
    EXPECT_EQ(ParseTemplate("x~LSE~random~1~").segments, std::vector<Segment>{Lit("x~LSE~random~1~")});
    EXPECT_EQ(ParseTemplate("~LSE~nope~").segments, std::vector<Segment>{Lit("~LSE~nope~")});
    EXPECT_TRUE(capture::HasPlaceholder(text));
    EXPECT_FALSE(capture::HasPlaceholder("~LSE~seq"));
    EXPECT_EQ(capture::DisplayText(text), "/a/{seq}?r={random:-5:10}{uuid}");
}

// One request, two paths to the wire: as a Lua run sends it (the values in the strings, PreparedRequest::BuildInto
// with the origin's Host, as ScenarioEngine does) and as an agent replays its capture (ToPlannedRequest with
// placeholders, CompileRequest, SerializeTemplated). Same bytes.
TEST(CaptureTemplates, ReplayedRequestPutsTheLuaRequestsBytesOnTheWire) {
    const std::string seq = capture::SeqPlaceholder();
    const std::string uuid = capture::UuidPlaceholder();
    const auto spec_with = [](const std::string& s, const std::string& u) {
        RequestSpec spec;
        spec.method = http::Method::kPost;
        spec.url = http::ParseUrl("http://127.0.0.1:9/api/orders/" + s + "?q=" + s + "&tag=a|b");
        spec.headers = {{"X-Request-Id", " " + u}, {"Content-Type", "text/plain"}, {"Authorization", "Bearer t"}};
        spec.body = "order " + s + " ref " + u;
        return spec;
    };
    const RequestSpec captured = spec_with(seq, uuid);
    const plan::PlannedRequest planned = capture::ToPlannedRequest(captured, runtime::StatusSet::SuccessAndRedirects());
    const plan::CompiledRequest compiled = plan::CompileRequest(planned);
    ASSERT_FALSE(compiled.literal());

    class Fixed final : public plan::SeqSource {
    public:
        std::uint64_t Next() noexcept override { return 31337; }
    } fixed;
    std::mt19937_64 rng_plan(5);
    plan::ExpandContext ctx{&fixed, &rng_plan, 1};
    http::PreparedRequest replayed;
    plan::SerializeTemplated(compiled, ctx, &replayed);

    std::mt19937_64 rng_lua(5);
    std::string u;
    plan::AppendUuid(rng_lua, &u);  // the one uuid() of the request (its header; the body's is the next one)
    std::string u2;
    plan::AppendUuid(rng_lua, &u2);
    RequestSpec sent = spec_with("31337", u);
    sent.body = "order 31337 ref " + u2;
    http::PreparedRequest lua;
    http::PreparedRequest::BuildInto(sent.method, sent.url.origin.HostHeader(), sent.url.path_and_query, sent.headers,
                                     sent.body, &lua);
    EXPECT_EQ(replayed.bytes, lua.bytes);
}

TEST(CaptureTemplates, JsonNumbersLoseTheirQuotesButTextKeepsThem) {
    const std::string seq = capture::SeqPlaceholder();
    const Template t =
        capture::ParseJsonTemplate("{\"n\":\"" + seq + "\",\"s\":\"x" + seq + "\",\"l\":[\"" + seq + "\"]}");
    EXPECT_EQ(t.segments, (std::vector<Segment>{Lit("{\"n\":"), Placeholder(Segment::Kind::kSeq), Lit(",\"s\":\"x"),
                                                Placeholder(Segment::Kind::kSeq), Lit("\",\"l\":["),
                                                Placeholder(Segment::Kind::kSeq), Lit("]}")}));
    // A uuid is text in both modes; an escaped quote is not a string delimiter.
    EXPECT_EQ(capture::ParseJsonTemplate("{\"u\":\"" + capture::UuidPlaceholder() + "\"}").segments,
              (std::vector<Segment>{Lit("{\"u\":\""), Placeholder(Segment::Kind::kUuid), Lit("\"}")}));
    EXPECT_EQ(capture::ParseJsonTemplate("{\"s\":\"a\\\"" + seq + "\\\"\"}").segments,
              (std::vector<Segment>{Lit("{\"s\":\"a\\\""), Placeholder(Segment::Kind::kSeq), Lit("\\\"\"}")}));
}

class PlanCaptureOffline : public ::testing::Test {
protected:
    std::shared_ptr<LuaRunConfig> Config(const std::string& file, const std::string& scenario) {
        auto cfg = std::make_shared<LuaRunConfig>();
        cfg->script_path = std::string(LSE_LUA_TEST_SCRIPTS) + "/" + file;
        cfg->scenario = scenario;
        cfg->target = http::ParseUrl("http://127.0.0.1:9/");  // discard port: any send would fail
        cfg->shared = std::make_shared<SharedStore>();
        return cfg;
    }
    static bool HasMessage(const std::vector<std::string>& list, const std::string& a, const std::string& b = "") {
        return std::any_of(list.begin(), list.end(), [&](const std::string& m) {
            return m.find(a) != std::string::npos && m.find(b) != std::string::npos;
        });
    }
    static std::string Join(const std::vector<std::string>& list) {
        std::string out;
        for (const auto& m : list) out += m + "\n";
        return out;
    }
};

TEST_F(PlanCaptureOffline, RecordsTemplatesPausesAndExpectWithoutSending) {
    PlanCapture capture(Config("capture_offline.lua", "offline"));
    plan::LoadShape load;
    load.vusers = 2;
    load.duration_ns = kNsPerSec;
    const CaptureOutcome out = capture.Capture(2, load);
    EXPECT_TRUE(out.problems.empty()) << Join(out.problems);
    EXPECT_TRUE(out.warnings.empty()) << Join(out.warnings);
    EXPECT_EQ(out.vusers_prepared, 2);
    EXPECT_EQ(out.vusers_failed, 0);

    const plan::ScenarioPlan& p = out.plan;
    EXPECT_EQ(p.name, "offline");
    EXPECT_EQ(p.load.vusers, 2);  // (LoadShape == needs sched::Stage ==, which rate_profile.hpp lacks)
    EXPECT_EQ(p.load.duration_ns, kNsPerSec);
    ASSERT_EQ(p.tasks.size(), 2u);
    EXPECT_EQ(p.tasks[0].name, "order");
    EXPECT_EQ(p.tasks[0].weight, 2);
    EXPECT_EQ(p.tasks[1].name, "noop");
    ASSERT_EQ(p.vusers.size(), 2u);
    // vuser() is literal per virtual user: two distinct POSTs, one shared GET.
    ASSERT_EQ(p.requests.size(), 3u);

    for (int v = 0; v < 2; ++v) {
        const plan::VuPlan& vu = p.vusers[static_cast<size_t>(v)];
        EXPECT_EQ(vu.id, v + 1);
        ASSERT_EQ(vu.task_steps.size(), 2u);
        EXPECT_TRUE(vu.task_steps[1].empty());
        const auto& steps = vu.task_steps[0];
        ASSERT_EQ(steps.size(), 3u);
        EXPECT_FALSE(steps[0].pause);
        EXPECT_TRUE(steps[1].pause);
        EXPECT_EQ(steps[1].pause_ns, 250 * kNsPerMs);
        EXPECT_FALSE(steps[2].pause);

        const plan::PlannedRequest& post = p.requests[steps[0].request];
        EXPECT_EQ(post.method, http::Method::kPost);
        EXPECT_EQ(post.url.segments,
                  (std::vector<Segment>{Lit("http://127.0.0.1:9/api/orders/"), Placeholder(Segment::Kind::kSeq),
                                        Lit("?q="), Placeholder(Segment::Kind::kSeq)}));
        EXPECT_EQ(post.body.segments,
                  (std::vector<Segment>{Lit("{\"n\":"), Placeholder(Segment::Kind::kRandom, 1, 100),
                                        Lit(",\"ref\":\"r-"), Placeholder(Segment::Kind::kUuid),
                                        Lit("\",\"vu\":" + std::to_string(v + 1) + "}")}));
        EXPECT_EQ(post.name, "POST /api/orders/{seq}");
        EXPECT_EQ(post.expect, (std::vector<std::pair<int, int>>{{201, 201}, {409, 409}}));
        bool saw_id = false;
        for (const auto& [name, value] : post.headers) {
            if (name != "X-Request-Id") continue;
            saw_id = true;
            EXPECT_EQ(value.segments, std::vector<Segment>{Placeholder(Segment::Kind::kUuid)});
        }
        EXPECT_TRUE(saw_id);

        const plan::PlannedRequest& get = p.requests[steps[2].request];
        EXPECT_EQ(steps[2].request, p.vusers[0].task_steps[0][2].request);  // deduplicated
        EXPECT_EQ(get.method, http::Method::kGet);
        EXPECT_EQ(get.url.segments, std::vector<Segment>{Lit("http://127.0.0.1:9/api/items")});
        EXPECT_EQ(get.name, "items");
        EXPECT_TRUE(get.expect.empty());  // the default: 2xx and 3xx
        EXPECT_TRUE(get.body.segments.empty());
    }
}

TEST_F(PlanCaptureOffline, ReportsArithmeticAndFrozenChoices) {
    const std::string path = std::string(LSE_LUA_TEST_SCRIPTS) + "/capture_problems.lua";
    PlanCapture capture(Config("capture_problems.lua", "problems"));
    const CaptureOutcome out = capture.Capture(2, plan::LoadShape{});
    EXPECT_EQ(out.vusers_prepared, 2);
    // One message per cause, counted over both virtual users. 'feed' uses a response value: replayable now.
    ASSERT_EQ(out.problems.size(), 1u) << Join(out.problems);
    EXPECT_TRUE(HasMessage(out.problems, "(2 virtual users)")) << Join(out.problems);
    EXPECT_TRUE(HasMessage(out.problems, "task 'math' (" + path + ":8) failed in capture mode: " + path + ":9:",
                           "placeholders"))
        << Join(out.problems);

    EXPECT_TRUE(HasMessage(out.warnings, "task 'pick' (" + path + ":11) uses math.random (" + path + ":12)"))
        << Join(out.warnings);
    // Checks comparing response values are not judged at capture (agents do not evaluate check(): documented);
    // one on a plain value failing at capture is said.
    EXPECT_FALSE(HasMessage(out.warnings, "check 'is 200'")) << Join(out.warnings);
    EXPECT_FALSE(HasMessage(out.warnings, "check 'created'")) << Join(out.warnings);
    EXPECT_TRUE(HasMessage(out.warnings, "task 'strict'", "check 'ok' failed against the stand-in")) << Join(out.warnings);

    // 'feed' replays both requests, the second with the id its first response gives; 'pick' its frozen choice.
    ASSERT_EQ(out.plan.vusers.size(), 2u);
    const auto& feed = out.plan.vusers[0].task_steps[0];
    ASSERT_EQ(feed.size(), 2u);
    ASSERT_EQ(feed[0].extract.size(), 1u);
    EXPECT_EQ(feed[0].extract[0].source, plan::Extraction::Source::kJson);
    EXPECT_EQ(feed[0].extract[0].key, "$[0].id");
    EXPECT_EQ(out.plan.vusers[0].task_steps[2].size(), 1u);
    const auto& strict = out.plan.requests[out.plan.vusers[0].task_steps[3].at(0).request];
    EXPECT_EQ(strict.expect, (std::vector<std::pair<int, int>>{{201, 201}}));
    // Nothing to do without on_stop.
    EXPECT_TRUE(capture.RunOnStop().empty());
}

TEST_F(PlanCaptureOffline, RejectsBadUse) {
    EXPECT_THROW(PlanCapture(Config("capture_offline.lua", "nope")), UsageError);
    PlanCapture capture(Config("capture_offline.lua", "offline"));
    EXPECT_THROW(capture.Capture(0, plan::LoadShape{}), UsageError);
    (void)capture.Capture(1, plan::LoadShape{});
    EXPECT_THROW(capture.Capture(1, plan::LoadShape{}), UsageError);
}

}  // namespace
}  // namespace lse::lua
