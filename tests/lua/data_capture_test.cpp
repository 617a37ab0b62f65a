// Data files in plan capture: a row's fields become kData segments wherever the script puts them (path, query,
// header, JSON body), per_vu rows are literal, and the outcome lists the files for the plan.

#include <gtest/gtest.h>

#include <set>

#include "lse/core/clock.hpp"
#include "lse/lua/plan_capture.hpp"
#include "lse/lua/shared_store.hpp"
#include "lse/plan/compiled_request.hpp"
#include "lua_test_util.hpp"
#include "plan_capture_templates.hpp"

namespace lse::lua {
namespace {

using plan::Segment;

Segment Lit(const std::string& text) {
    Segment s;
    s.text = text;
    return s;
}
Segment Data(std::int64_t feed, std::uint32_t draw, std::uint32_t column, plan::ValueEncoding e) {
    Segment s;
    s.kind = Segment::Kind::kData;
    s.a = feed;
    s.b = static_cast<std::int64_t>(e);
    s.draw = draw;
    s.column = column;
    return s;
}

TEST(DataCaptureTemplates, PlaceholdersParseAndPercentMarkersFollowTheEncoder) {
    const std::string p = capture::DataPlaceholder(2, 1, 3);
    EXPECT_EQ(capture::ParseTemplate("/u/" + p).segments,
              (std::vector<Segment>{Lit("/u/"), Data(2, 1, 3, plan::ValueEncoding::kRaw)}));
    std::string query = "q=" + p;
    capture::MarkPercentEncoded(&query);
    EXPECT_EQ(capture::ParseTemplate(query).segments,
              (std::vector<Segment>{Lit("q="), Data(2, 1, 3, plan::ValueEncoding::kPercent)}));
    // A whole JSON string value is the cell's own JSON; inside a string it is escaped.
    EXPECT_EQ(capture::ParseJsonTemplate("{\"a\":\"" + p + "\",\"b\":\"x-" + p + "\"}").segments,
              (std::vector<Segment>{Lit("{\"a\":"), Data(2, 1, 3, plan::ValueEncoding::kJsonValue), Lit(",\"b\":\"x-"),
                                    Data(2, 1, 3, plan::ValueEncoding::kJsonString), Lit("\"}")}));
    EXPECT_EQ(capture::DisplayText("/u/" + p), "/u/{data}");
}

TEST(DataCapture, RowFieldsBecomeDataSegmentsAndPerVuRowsAreLiteral) {
    testing::TempScripts dir;
    dir.Write("users.csv", "username,password\nalice,a1\nbob,b2\n");
    dir.Write("regions.csv", "region\neu\nus\n");
    const std::string script = dir.Write("flow.lua", R"(
local users = lsengine.data.csv("users.csv", { mode = "unique" })
local regions = lsengine.data.csv("regions.csv", { mode = "per_vu" })
local flow = scenario { name = "data", vusers = 2, duration = "1s" }
flow:task("login", function(self, http)
  local u = users:next()
  local other = users:next()
  http:post("/login/" .. u.username, {
    json = { user = u.username, pass = u[2], note = "by " .. u.username },
    query = { friend = other.username },
    headers = { ["X-Region"] = regions:next().region },
    name = "login",
  })
end)
)");
    auto cfg = std::make_shared<LuaRunConfig>();
    cfg->script_path = script;
    cfg->scenario = "data";
    cfg->target = http::ParseUrl("http://127.0.0.1:9/");
    cfg->shared = std::make_shared<SharedStore>();
    PlanCapture capture(cfg);
    const CaptureOutcome out = capture.Capture(2, plan::LoadShape{});
    ASSERT_TRUE(out.problems.empty()) << out.problems.front();
    ASSERT_EQ(out.feeds.size(), 2u);
    EXPECT_EQ(out.feeds[0].name, "users.csv");
    EXPECT_EQ(out.feeds[0].options.mode, data::AccessMode::kUnique);
    EXPECT_EQ(out.feeds[0].table.RowCount(), 2u);
    EXPECT_EQ(out.feeds[1].table.RowCount(), 0u);  // per_vu: literal in the requests, no rows shipped
    EXPECT_EQ(out.feeds[1].table.ColumnCount(), 1u);

    ASSERT_EQ(out.plan.vusers.size(), 2u);
    for (int v = 0; v < 2; ++v) {
        const plan::PlannedRequest& r = out.plan.requests[out.plan.vusers[static_cast<size_t>(v)].task_steps[0][0].request];
        EXPECT_EQ(r.url.segments, (std::vector<Segment>{Lit("http://127.0.0.1:9/login/"),
                                                       Data(0, 0, 0, plan::ValueEncoding::kRaw), Lit("?friend="),
                                                       Data(0, 1, 0, plan::ValueEncoding::kPercent)}));
        std::vector<Segment> body = r.body.segments;
        // The JSON encoder's key order is its own: check the pieces.
        int whole = 0;
        int inside = 0;
        for (const Segment& s : body) {
            if (s.kind != Segment::Kind::kData) continue;
            if (s.b == static_cast<std::int64_t>(plan::ValueEncoding::kJsonValue)) ++whole;
            if (s.b == static_cast<std::int64_t>(plan::ValueEncoding::kJsonString)) ++inside;
        }
        EXPECT_EQ(whole, 2);
        EXPECT_EQ(inside, 1);
        bool region = false;
        for (const auto& [name, value] : r.headers) {
            if (name != "X-Region") continue;
            region = true;
            EXPECT_EQ(value.segments, std::vector<Segment>{Lit(v == 0 ? "eu" : "us")});  // the VU's row
        }
        EXPECT_TRUE(region);
        EXPECT_EQ(r.name, "login");
    }
}

// Requests that differ only in which column or which row of a file they use are different requests.
TEST(DataCapture, RequestsDifferingOnlyInColumnOrDrawAreNotMerged) {
    testing::TempScripts dir;
    dir.Write("kv.csv", "k,v\na,1\nb,2\n");
    const std::string script = dir.Write("flow.lua", R"(
local kv = lsengine.data.csv("kv.csv")
local flow = scenario { name = "kv", vusers = 1, duration = "1s" }
flow:task("t", function(self, http)
  local first, second = kv:next(), kv:next()
  http:get("/x/" .. first.k, { name = "x" })
  http:get("/x/" .. first.v, { name = "x" })
  http:get("/x/" .. second.k, { name = "x" })
end)
)");
    auto cfg = std::make_shared<LuaRunConfig>();
    cfg->script_path = script;
    cfg->scenario = "kv";
    cfg->target = http::ParseUrl("http://127.0.0.1:9/");
    cfg->shared = std::make_shared<SharedStore>();
    PlanCapture capture(cfg);
    const CaptureOutcome out = capture.Capture(1, plan::LoadShape{});
    ASSERT_TRUE(out.problems.empty()) << out.problems.front();
    ASSERT_EQ(out.plan.requests.size(), 3u);
    const auto& steps = out.plan.vusers[0].task_steps[0];
    ASSERT_EQ(steps.size(), 3u);
    EXPECT_EQ(out.plan.requests[steps[0].request].url.segments[1], Data(0, 0, 0, plan::ValueEncoding::kRaw));
    EXPECT_EQ(out.plan.requests[steps[1].request].url.segments[1], Data(0, 0, 1, plan::ValueEncoding::kRaw));
    EXPECT_EQ(out.plan.requests[steps[2].request].url.segments[1], Data(0, 1, 0, plan::ValueEncoding::kRaw));
}

TEST(DataCapture, UniqueRowsTakenInOnStartAreNotSharedOutAgain) {
    testing::TempScripts dir;
    dir.Write("ids.csv", "id\n1\n2\n3\n4\n5\n");
    const std::string script = dir.Write("flow.lua", R"(
local ids = lsengine.data.csv("ids.csv", { mode = "unique" })
local flow = scenario { name = "ids", vusers = 2, duration = "1s" }
function flow:on_start(http) self.mine = ids:next().id end
flow:task("t", function(self, http) http:get("/a/" .. self.mine .. "/" .. ids:next().id) end)
)");
    auto cfg = std::make_shared<LuaRunConfig>();
    cfg->script_path = script;
    cfg->scenario = "ids";
    cfg->target = http::ParseUrl("http://127.0.0.1:9/");
    cfg->shared = std::make_shared<SharedStore>();
    PlanCapture capture(cfg);
    const CaptureOutcome out = capture.Capture(2, plan::LoadShape{});
    ASSERT_TRUE(out.problems.empty()) << out.problems.front();
    ASSERT_EQ(out.feeds.size(), 1u);
    EXPECT_EQ(out.feeds[0].first_row, 2u);  // rows 1 and 2 went to the two on_start calls
    EXPECT_EQ(out.feeds[0].total_rows, 5u);
    ASSERT_EQ(out.feeds[0].table.RowCount(), 3u);
    EXPECT_EQ(out.feeds[0].table.Cell(0, 0), "3");
    std::set<std::string> literal;
    for (const auto& vu : out.plan.vusers) {
        const plan::PlannedRequest& r = out.plan.requests[vu.task_steps[0][0].request];
        ASSERT_EQ(r.url.segments.size(), 2u);
        literal.insert(r.url.segments[0].text);
        EXPECT_EQ(r.url.segments[1], Data(0, 0, 0, plan::ValueEncoding::kRaw));
    }
    EXPECT_EQ(literal, (std::set<std::string>{"http://127.0.0.1:9/a/1/", "http://127.0.0.1:9/a/2/"}));
}

}  // namespace
}  // namespace lse::lua
