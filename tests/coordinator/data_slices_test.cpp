// Each agent's slice of a data file: contiguous, proportional to capacity, disjoint and covering every row; the
// plan an agent receives carries only its slice.
#include "lse/coordinator/data_slices.hpp"

#include <gtest/gtest.h>

#include "lse/coordinator/plan_assembly.hpp"
#include "lse/plan/plan_codec.hpp"

namespace lse::coordinator {
namespace {

plan::DataFeed Feed(int rows) {
    plan::DataFeed f;
    f.name = "users.csv";
    f.options.mode = data::AccessMode::kUnique;
    f.table = data::DataTable({"id"});
    for (int i = 0; i < rows; ++i) f.table.AddRow({std::to_string(i)});
    f.total_rows = static_cast<std::uint64_t>(rows);
    return f;
}

TEST(DataSlices, SlicesTileTheRowsInProportionToCapacity) {
    const std::vector<double> caps = {1, 3, 0, 1};
    std::uint64_t next = 0;
    std::vector<std::uint64_t> sizes;
    for (std::size_t a = 0; a < caps.size(); ++a) {
        const auto [first, end] = RowSlice(10, caps, a);
        EXPECT_EQ(first, next);  // contiguous, in agent order
        sizes.push_back(end - first);
        next = end;
    }
    EXPECT_EQ(next, 10u);
    EXPECT_EQ(sizes, (std::vector<std::uint64_t>{2, 6, 0, 2}));
    EXPECT_EQ(RowSlice(1, {1, 1}, 0).second - RowSlice(1, {1, 1}, 0).first +
                  (RowSlice(1, {1, 1}, 1).second - RowSlice(1, {1, 1}, 1).first),
              1u);  // fewer rows than agents: one agent has the row, the other none
}

TEST(DataSlices, EachAgentsPlanCarriesOnlyItsRows) {
    PlanAssembly a("c", "run-1");
    CapturedScenario s;
    s.name = "login";
    s.vusers_prepared = 1;
    plan::VuPlan vu;
    vu.id = 1;
    vu.task_steps = {{plan::Step{false, 0, 0, {}}}};
    s.plan.vusers = {vu};
    s.plan.tasks = {{"t", 1}};
    plan::PlannedRequest r;
    r.url.segments = {plan::Segment{plan::Segment::Kind::kLiteral, "http://127.0.0.1:9/u/", 0, 0}};
    plan::Segment cell;
    cell.kind = plan::Segment::Kind::kData;
    r.url.segments.push_back(cell);
    r.name = "u";
    s.plan.requests = {r};
    a.Add(s);
    plan::DataFeed unused = Feed(5);
    unused.name = "unused.csv";
    a.SetFeeds({Feed(7), unused});
    a.Seal();
    const std::vector<double> caps = {2, 1};
    std::vector<std::string> seen;
    for (std::size_t agent = 0; agent < caps.size(); ++agent) {
        plan::Plan p;
        std::string error;
        ASSERT_TRUE(plan::DecodePlan(a.BytesForAgent(agent, caps, {{"login", {}, {}}}), &p, &error)) << error;
        ASSERT_EQ(p.feeds.size(), 2u);
        EXPECT_EQ(p.feeds[0].total_rows, 7u);
        EXPECT_EQ(p.feeds[1].table.RowCount(), 0u);  // no request reads it: not shipped
        for (std::size_t i = 0; i < p.feeds[0].table.RowCount(); ++i) seen.emplace_back(p.feeds[0].table.Cell(i, 0));
        EXPECT_EQ(p.feeds[0].first_row, agent == 0 ? 0u : 5u);
    }
    EXPECT_EQ(seen, (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6"}));  // every row once
    plan::Plan whole;
    ASSERT_TRUE(plan::DecodePlan(a.Bytes(), &whole, nullptr));
    EXPECT_EQ(whole.feeds[0].table.RowCount(), 7u);
}

}  // namespace
}  // namespace lse::coordinator
