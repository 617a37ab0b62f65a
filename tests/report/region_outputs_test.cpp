// Results per agent region (issue 16) in the text summary, the summary JSON and the ndjson stream; a run without
// regions shows none of it.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "lse/metrics/stat_key.hpp"
#include "lse/report/ndjson_writer.hpp"
#include "lse/report/region_summary.hpp"
#include "lse/report/summary_json.hpp"

namespace lse::report {
namespace {

using metrics::MakeStatKey;
using metrics::StatKind;

constexpr std::int64_t kSec = 1'000'000'000;

// `n` requests of scenario shop (task browse, "GET /x"), `failed` of them timed out, responses taking `us`.
metrics::Snapshot Requests(int n, int failed, std::int64_t us, std::int64_t index = 0) {
    metrics::Snapshot s;
    s.Reset(index * kSec, (index + 1) * kSec);
    metrics::RequestStats* req = &s.ForName(MakeStatKey(StatKind::kRequest, "shop", "browse", "GET /x"));
    for (int i = 0; i < n; ++i) {
        const bool bad = i < failed;
        s.RecordCompletion(req, bad ? ErrorKind::kTimeout : ErrorKind::kNone, bad ? 0 : 200, !bad, us, us, 100, 10);
    }
    return s;
}

struct RegionRun {
    thresholds::RegionSnapshots regions = {{"far", Requests(30, 3, 45'000)}, {"near", Requests(70, 0, 2'000)}};
    metrics::Snapshot total = [this] {
        metrics::Snapshot t = regions.at("far");
        t += regions.at("near");
        return t;
    }();
};

TEST(RegionOutputs, RowsPerRegionScenarioAndRequest) {
    RegionRun run;
    SummaryInput in(run.total, 10 * kSec);
    in.scenarios = {ScenarioInfo{"shop", "open", 10, 0, 10 * kSec}};
    in.regions = run.regions;
    const std::vector<RegionRow> rows = RegionRows(in);
    ASSERT_EQ(rows.size(), 4u);  // per region: the scenario's load, then its request
    EXPECT_EQ(rows[0].region, "far");
    EXPECT_EQ(rows[0].scenario, "shop");
    EXPECT_EQ(rows[0].request, "");
    EXPECT_EQ(rows[0].stats.requests, 30u);
    EXPECT_DOUBLE_EQ(rows[0].rps, 3.0);
    EXPECT_EQ(rows[1].request, "GET /x");
    EXPECT_EQ(rows[1].stats.ErrorCount(), 3u);
    EXPECT_EQ(rows[2].region, "near");
    EXPECT_EQ(rows[3].stats.requests, 70u);
}

TEST(RegionOutputs, TextSummaryHasARegionTableOnlyWithRegions) {
    RegionRun run;
    SummaryInput in(run.total, 10 * kSec);
    in.regions = run.regions;
    std::ostringstream out;
    PrintSummary(out, in);
    const std::string text = out.str();
    ASSERT_NE(text.find("regions (response time):"), std::string::npos) << text;
    const std::size_t far = text.find("\n  far ");
    const std::size_t near = text.find("\n  near ");
    ASSERT_NE(far, std::string::npos) << text;
    ASSERT_NE(near, std::string::npos) << text;
    const std::string far_line = text.substr(far + 1, text.find('\n', far + 1) - far - 1);
    EXPECT_NE(far_line.find(" 30 "), std::string::npos) << far_line;
    EXPECT_NE(far_line.find("10.00%"), std::string::npos) << far_line;
    EXPECT_NE(far_line.find("45."), std::string::npos) << far_line;  // its p50: 45 ms, not the run's mix
    const std::string near_line = text.substr(near + 1, text.find('\n', near + 1) - near - 1);
    EXPECT_NE(near_line.find("0.00%"), std::string::npos) << near_line;
    EXPECT_NE(near_line.find("2.00ms"), std::string::npos) << near_line;

    std::ostringstream plain;
    PrintSummary(plain, SummaryInput(run.total, 10 * kSec));
    EXPECT_EQ(plain.str().find("regions"), std::string::npos);
}

TEST(RegionOutputs, SummaryJsonHasRegionsOnlyWithRegions) {
    RegionRun run;
    SummaryInput in(run.total, 10 * kSec);
    in.regions = run.regions;
    const nlohmann::json j = SummaryJson(in);
    ASSERT_TRUE(j.contains("regions"));
    EXPECT_EQ(j["regions"]["far"]["totals"]["requests"], 30);
    EXPECT_EQ(j["regions"]["far"]["totals"]["errors"], 3);
    EXPECT_EQ(j["regions"]["near"]["totals"]["requests"], 70);
    EXPECT_EQ(j["regions"]["near"]["scenarios"][0]["name"], "shop");
    EXPECT_EQ(j["regions"]["near"]["scenarios"][0]["requests"][0]["name"], "GET /x");
    EXPECT_LT(j["regions"]["near"]["totals"]["response_time_us"]["p99"].get<std::int64_t>(), 2'100);
    EXPECT_EQ(j["totals"]["requests"], 100);
    EXPECT_FALSE(SummaryJson(SummaryInput(run.total, 10 * kSec)).contains("regions"));
}

TEST(RegionOutputs, NdjsonWritesARegionLinePerRegionAfterEachInterval) {
    const std::string path = (std::filesystem::temp_directory_path() / "lse-region-ndjson-test.ndjson").string();
    {
        NdjsonWriter writer(path);
        RunDescription description;
        description.command = "run";
        writer.OnStart(description);
        RegionRun run;
        IntervalUpdate u{run.total, run.total, kSec, 10 * kSec, 0, 0, "steady", {}};
        u.regions = &run.regions;
        u.cumulative_regions = &run.regions;
        writer.OnInterval(u);
        writer.OnInterval(IntervalUpdate{run.total, run.total, 2 * kSec, 10 * kSec, 0, 0, "steady", {}});
    }
    std::ifstream in(path);
    std::vector<nlohmann::json> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(nlohmann::json::parse(l));
    std::filesystem::remove(path);
    ASSERT_EQ(lines.size(), 5u);  // start, interval, far, near, interval (no regions given)
    EXPECT_EQ(lines[1]["type"], "interval");
    EXPECT_EQ(lines[1]["totals"]["requests"], 100);
    EXPECT_EQ(lines[2]["type"], "region_interval");
    EXPECT_EQ(lines[2]["region"], "far");
    EXPECT_EQ(lines[2]["totals"]["requests"], 30);
    EXPECT_EQ(lines[2]["requests"][0]["name"], "GET /x");
    EXPECT_EQ(lines[3]["region"], "near");
    EXPECT_EQ(lines[3]["totals"]["requests"], 70);
    EXPECT_EQ(lines[3]["elapsed_s"], 1.0);
    EXPECT_EQ(lines[4]["type"], "interval");
}

}  // namespace
}  // namespace lse::report
