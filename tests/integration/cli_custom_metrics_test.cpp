// Custom metrics (lsengine.metrics, issue 15 item 10) end to end, the demo target as referee: on one node every kind
// adds up to what the target saw; replayed by a local agent, constants and response numbers are recorded natively
// and a metric fed a comparison is flagged not replayable in the summary JSON; the tutorial example runs with its
// thresholds.

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "distributed_test_util.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {
namespace {

using nlohmann::json;

constexpr int kIterations = 20;  // 20 arrivals a second for 1 s

// Each iteration creates a project whose budget (7.5) the target echoes back.
std::string WriteScenario() {
    const std::string dir = MakeTempDir("lse-test-metrics-");
    std::ofstream(dir + "/metrics.lua") << R"(
local created = lsengine.metrics.counter('created')
local budget = lsengine.metrics.trend('budget')
local accepted = lsengine.metrics.rate('accepted')
lsengine.metrics.gauge('never_set')
local s = scenario { name = 'shop', rps = 20, vusers = 4, duration = '1s' }
s:task('create', function(self, http)
  local r = http:post('/api/v1/projects', { json = { name = 'p', budget = 7.5 }, expect = 201 })
  created:add(1)
  budget:add(tonumber(r:json().budget))
  accepted:add(r.status == 201)
end)
)";
    return dir + "/metrics.lua";
}

class CliCustomMetricsTest : public CliDistributedTest {
protected:
    // Runs the scenario with `extra` flags; returns the summary JSON (null when it was not written).
    json Run(const std::string& script, const std::vector<std::string>& extra, CliResult* result) {
        const std::string summary_path = TempPath("lse-test-metrics-summary", ".json");
        std::remove(summary_path.c_str());
        std::vector<std::string> args = {"run", script, "--target", Target(), "--summary-json", summary_path};
        args.insert(args.end(), extra.begin(), extra.end());
        *result = RunLsengine(args);
        std::ifstream in(summary_path);
        if (!in) return json();
        return json::parse(in, nullptr, false);
    }

    // The counter and the trend match the target's count of created projects.
    void ExpectReplayedMetrics(const json& summary) {
        ASSERT_TRUE(summary.is_object());
        SCOPED_TRACE(summary.dump(1));
        const int posted = Route("POST /api/v1/projects");
        ASSERT_EQ(posted, kIterations);
        const json& custom = summary["custom_metrics"];
        ASSERT_TRUE(custom.is_object());
        EXPECT_EQ(custom["created"]["kind"], "counter");
        EXPECT_EQ(custom["created"]["samples"], posted);
        EXPECT_EQ(custom["created"]["count"], posted);
        EXPECT_EQ(custom["budget"]["kind"], "trend");
        EXPECT_EQ(custom["budget"]["count"], posted);
        EXPECT_EQ(custom["budget"]["p95"], 7.5);
        EXPECT_EQ(custom["never_set"]["samples"], 0);  // declared, never set: still reported
        EXPECT_FALSE(custom["created"].contains("replayable"));
    }
};

TEST_F(CliCustomMetricsTest, EveryKindAddsUpOnOneNode) {
    CliResult r;
    const json summary = Run(WriteScenario(), {"-q"}, &r);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    ExpectReplayedMetrics(summary);
    if (HasFatalFailure()) return;
    const json& accepted = summary["custom_metrics"]["accepted"];
    EXPECT_EQ(accepted["samples"], kIterations);
    EXPECT_EQ(accepted["trues"], kIterations);
    EXPECT_FALSE(accepted.contains("replayable"));
}

TEST_F(CliCustomMetricsTest, AnAgentReplaysConstantsAndResponseNumbersAndFlagsTheComparison) {
    CliResult r;
    const json summary = Run(WriteScenario(), {"--agents", "1"}, &r);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    ExpectReplayedMetrics(summary);
    if (HasFatalFailure()) return;
    // The rate was fed a comparison on a response: the capture warned, the agent recorded nothing, the JSON says so.
    EXPECT_NE((r.out + r.err).find("rate 'accepted' is fed the result of a comparison on a response value"),
              std::string::npos)
        << r.out << r.err;
    const json& accepted = summary["custom_metrics"]["accepted"];
    EXPECT_EQ(accepted["replayable"], false) << accepted.dump();
    EXPECT_EQ(accepted["samples"], 0);
}

// The tutorial example runs as documented (shortened): its thresholds pass and its metrics add up at the target.
TEST_F(CliCustomMetricsTest, TheExampleScriptRunsWithItsThresholds) {
    CliResult r;
    const json summary =
        Run(std::string(LSE_EXAMPLES_DIR) + "/custom_metrics.lua", {"-q", "--duration", "2s"}, &r);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    ASSERT_TRUE(summary.is_object());
    SCOPED_TRACE(summary.dump(1));
    EXPECT_EQ(summary["thresholds"].size(), 4u);
    const int posted = Route("POST /api/v1/projects");
    EXPECT_EQ(posted, 20);  // 10 arrivals a second for 2 s
    const json& custom = summary["custom_metrics"];
    EXPECT_EQ(custom["orders_placed"]["count"], posted);
    EXPECT_EQ(custom["cart_value"]["count"], Route("GET /api/products"));
    EXPECT_EQ(custom["cart_value"]["max"], 24.5);
    EXPECT_EQ(custom["order_accepted"]["trues"], posted);
    EXPECT_GE(custom["last_budget"]["min"], 101);
    EXPECT_LE(custom["last_budget"]["max"], 110);
}

}  // namespace
}  // namespace lse::testing
