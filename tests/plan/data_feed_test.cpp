// Data files in plans (format 5): kData segments and the plan's feeds survive the codec, ReplaceFeeds swaps an
// agent's slice in, the checks refuse bad references, and expansion writes cells per their encoding.

#include <gtest/gtest.h>

#include "lse/plan/plan_codec.hpp"
#include "lse/plan/template_expand.hpp"
#include "plan_fixtures.hpp"

namespace lse::plan {
namespace {

using testing_fixtures::SmallPlan;
using testing_fixtures::Text;

Segment Data(std::int64_t feed, std::uint32_t draw, std::uint32_t column, ValueEncoding e) {
    Segment s;
    s.kind = Segment::Kind::kData;
    s.a = feed;
    s.b = static_cast<std::int64_t>(e);
    s.draw = draw;
    s.column = column;
    return s;
}

DataFeed Users(data::AccessMode mode = data::AccessMode::kUnique) {
    DataFeed f;
    f.name = "users.csv";
    f.options.mode = mode;
    f.options.seed = 99;
    f.table = data::DataTable({"username", "n"});
    f.table.AddRow({"alice", "1"}, {data::CellKind::kString, data::CellKind::kNumber});
    f.table.AddRow({"b\"ob", "2"}, {data::CellKind::kString, data::CellKind::kNumber});
    f.table.AddRow({"c&d", ""}, {data::CellKind::kString, data::CellKind::kNull});
    f.total_rows = 3;
    return f;
}

Plan PlanWithData() {
    Plan p = SmallPlan();
    p.scenarios[0].requests[0].url.segments.push_back(Data(0, 0, 0, ValueEncoding::kPercent));
    p.scenarios[0].requests[1].body.segments = {Text("{\"u\":"), Data(0, 1, 0, ValueEncoding::kJsonValue), Text("}")};
    p.feeds.push_back(Users());
    return p;
}

TEST(DataFeedCodec, SegmentsAndFeedsRoundTrip) {
    const Plan p = PlanWithData();
    Plan back;
    std::string error;
    ASSERT_TRUE(DecodePlan(EncodePlan(p), &back, &error)) << error;
    EXPECT_EQ(back, p);
}

TEST(DataFeedCodec, ReplaceFeedsSwapsTheRowsAndKeepsTheRest) {
    Plan p = PlanWithData();
    const std::vector<DataFeed> whole = p.feeds;
    p.feeds.clear();
    const std::string without = EncodePlan(p);
    std::vector<DataFeed> slice = whole;
    slice[0].table = whole[0].table.Slice(1, 3);
    slice[0].first_row = 1;
    Plan back;
    std::string error;
    ASSERT_TRUE(DecodePlan(ReplaceFeeds(without, slice), &back, &error)) << error;
    EXPECT_EQ(back.scenarios, p.scenarios);
    ASSERT_EQ(back.feeds.size(), 1u);
    EXPECT_EQ(back.feeds[0].table.RowCount(), 2u);
    EXPECT_EQ(back.feeds[0].table.Cell(0, 0), "b\"ob");
    EXPECT_EQ(back.feeds[0].first_row, 1u);
    EXPECT_THROW(ReplaceFeeds("", slice), std::invalid_argument);  // not an encoded plan without feeds
}

TEST(DataFeedCodec, BadReferencesAreRefused) {
    std::string error;
    Plan p = PlanWithData();
    p.feeds.clear();  // a kData segment without its feed
    EXPECT_FALSE(CheckPlanFeeds(p, &error));
    EXPECT_NE(error.find("data feed 0 is not in the plan"), std::string::npos) << error;
    Plan back;
    EXPECT_FALSE(DecodePlan(EncodePlan(p), &back, &error));

    p = PlanWithData();
    p.scenarios[0].requests[0].url.segments.back().column = 2;
    EXPECT_FALSE(CheckPlanFeeds(p, &error));
    EXPECT_NE(error.find("column 2 of data file users.csv does not exist"), std::string::npos) << error;

    p = PlanWithData();
    p.feeds[0].options.mode = data::AccessMode::kPerVu;  // per_vu rows are literal: a feed of them is no feed
    EXPECT_FALSE(CheckPlanFeeds(p, &error));

    p = PlanWithData();
    p.feeds[0].total_rows = 2;  // a slice past the file
    EXPECT_FALSE(CheckPlanFeeds(p, &error));
    EXPECT_TRUE(CheckPlanFeeds(PlanWithData(), &error));
}

TEST(DataFeedCodec, DeduplicateKeepsRequestsThatUseOtherCellsOrRows) {
    ScenarioPlan s = SmallPlan().scenarios[0];
    PlannedRequest base = s.requests[0];
    base.url.segments.push_back(Data(0, 0, 0, ValueEncoding::kRaw));
    PlannedRequest other_column = base;
    other_column.url.segments.back().column = 1;
    PlannedRequest other_row = base;
    other_row.url.segments.back().draw = 1;
    s.requests = {base, other_column, other_row, base};
    Deduplicate(&s);
    ASSERT_EQ(s.requests.size(), 3u);
    EXPECT_EQ(s.requests[1], other_column);
    EXPECT_EQ(s.requests[2], other_row);
}

TEST(DataFeedExpand, CellsAreWrittenPerEncoding) {
    const DataFeed f = Users();
    DataRows rows;
    rows.tables = {&f.table};
    rows.rows = {{1, 2}};
    ExpandContext ctx;
    ctx.data = &rows;
    auto expand = [&ctx](std::vector<Segment> segs) { return Expand(Template{std::move(segs)}, ctx); };
    EXPECT_EQ(expand({Data(0, 0, 0, ValueEncoding::kRaw)}), "b\"ob");
    EXPECT_EQ(expand({Data(0, 1, 0, ValueEncoding::kPercent)}), "c%26d");
    EXPECT_EQ(expand({Data(0, 0, 0, ValueEncoding::kJsonString)}), "b\\\"ob");
    EXPECT_EQ(expand({Data(0, 0, 0, ValueEncoding::kJsonValue)}), "\"b\\\"ob\"");
    EXPECT_EQ(expand({Data(0, 0, 1, ValueEncoding::kJsonValue)}), "2");     // a number stays a number
    EXPECT_EQ(expand({Data(0, 1, 1, ValueEncoding::kJsonValue)}), "null");  // JSON null
    // Out of range (a draw the runner did not make, no row, no context): empty text, never a crash.
    EXPECT_EQ(expand({Text("<"), Data(0, 5, 0, ValueEncoding::kRaw), Data(3, 0, 0, ValueEncoding::kRaw), Text(">")}), "<>");
    rows.rows[0][0] = data::Feeder::kNoRow;
    EXPECT_EQ(expand({Data(0, 0, 0, ValueEncoding::kRaw)}), "");
    ctx.data = nullptr;
    EXPECT_EQ(expand({Data(0, 1, 0, ValueEncoding::kRaw)}), "");
}

}  // namespace
}  // namespace lse::plan
