// Issue 16: a run says plainly when lsengine itself was the bottleneck, and `generator_saturated == 0` fails such a
// run like any threshold (exit code, FAIL banner, --summary-json, ndjson). Saturation is provoked for real: a task
// that keeps its worker's event loop busy for 30 ms per iteration, so timers fire late. The demo target counts
// what it received.
//
// Generator health is measured by the runtime (issue 16's "health" part). A build whose runs report no generator
// at all cannot judge anything: those tests skip, saying so. Once the measurement is in, they must not skip.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_test_util.hpp"
#include "lse/testing/demo_target_process.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {
namespace {

using nlohmann::json;

constexpr const char* kNoHealth = "this build's runs report no generator health (the runtime measurement of issue 16 "
                                  "is not in): nothing to judge";

// 20 arrivals/s for 3 s on one worker thread; each iteration makes one request, then (busy = true) spins its loop
// for 30 ms: the loop's timers fire ~30 ms late, well past the 10 ms lag p99 that counts as saturated.
std::string ScenarioText(bool busy) {
    std::string text = R"(
local s = scenario { name = "spin", rps = 20, vusers = 4, duration = "3s" }
s:task("work", function(self, http)
  http:get("/api/v1/projects")
)";
    if (busy) text += "  local t0 = os.clock()\n  while os.clock() - t0 < 0.03 do end\n";
    text += "end)\n";
    return text;
}

class CliGeneratorHealthTest : public ::testing::Test {
protected:
    void SetUp() override { target_.Start(); }
    std::string Target() { return "http://127.0.0.1:" + std::to_string(target_.Port()); }
    int Route(const std::string& route) {
        const auto stats = target_.Stats();
        return stats["by_route"].contains(route) ? stats["by_route"][route].get<int>() : 0;
    }
    // `lsengine run` with --summary-json and --out ndjson into fresh files; fills summary_ and end_.
    CliResult Run(const std::string& script, std::vector<std::string> extra) {
        const std::string summary = MakeTempFile("summary-", ".json");
        const std::string ndjson = MakeTempFile("stream-", ".ndjson");
        std::vector<std::string> args = {"run",       script, "--target", Target(), "-q", "--threads", "1",
                                         "--summary-json", summary, "--out", "ndjson=" + ndjson};
        args.insert(args.end(), extra.begin(), extra.end());
        CliResult r = RunLsengine(args);
        summary_ = json::parse(ReadWhole(summary), nullptr, false);
        std::ifstream lines(ndjson);
        for (std::string line; std::getline(lines, line);) {
            json j = json::parse(line, nullptr, false);
            if (j.is_discarded()) continue;
            if (j.value("type", "") == "interval" && j.contains("generators")) ++interval_reports_;
            if (j.value("type", "") == "end") end_ = j;
        }
        return r;
    }
    bool HasHealth() const {
        return summary_.is_object() && summary_.contains("generators") && !summary_["generators"].empty();
    }

    DemoTargetProcess target_;
    json summary_;
    json end_;
    int interval_reports_ = 0;
};

TEST_F(CliGeneratorHealthTest, ABusyLoopSaturatesTheGeneratorAndFailsTheThresholdEverywhere) {
    const std::string script = WriteTempScenario(ScenarioText(true));
    const CliResult r = Run(script, {"--threshold", "generator_saturated == 0", "--threshold", "error_rate < 50%"});
    ASSERT_TRUE(summary_.is_object()) << r.err << r.out;
    if (!HasHealth()) GTEST_SKIP() << kNoHealth;

    // The generator's own judgement, in every output.
    const json& local = summary_["generators"]["local"];
    EXPECT_EQ(local["saturated"], true) << local.dump(2);
    EXPECT_GE(local["saturated_intervals"].get<int>(), 1) << local.dump(2);
    EXPECT_GE(local["loop_lag_us"]["p99"].get<std::int64_t>(), 10'000) << local.dump(2);
    ASSERT_FALSE(local["saturated_periods"].empty()) << local.dump(2);
    const std::string warning = "results may understate the target's performance: this machine (local) was saturated "
                                "from ";
    EXPECT_EQ(summary_.value("saturation_warning", "").rfind(warning, 0), 0u) << summary_.dump(2);
    EXPECT_NE(r.out.find("\nwarning: " + warning), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("load generator "), std::string::npos) << r.out;
    EXPECT_EQ(end_.value("saturation_warning", ""), summary_.value("saturation_warning", "")) << end_.dump(2);
    EXPECT_GE(interval_reports_, 1) << "ndjson interval lines carry the generators' health";

    // ... and the threshold fails like any threshold: exit 3, the banner, the verdicts.
    EXPECT_EQ(r.exit_code, 3) << r.err << r.out;
    EXPECT_NE(r.out.find("\u2717 FAIL  generator_saturated == 0"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("FAIL (exit 3):"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("thresholds failed"), std::string::npos) << r.out;
    EXPECT_EQ(summary_["exit_code"], 3);
    EXPECT_EQ(summary_["thresholds_passed"], false);
    ASSERT_EQ(summary_["thresholds"].size(), 2u);
    EXPECT_EQ(summary_["thresholds"][0]["passed"], false);
    EXPECT_EQ(summary_["thresholds"][0]["actual"], 1);
    EXPECT_EQ(summary_["thresholds"][0]["actual_text"], "generator_saturated = 1 (local)");
    EXPECT_EQ(summary_["thresholds"][1]["passed"], true) << "the target itself was fine";
    EXPECT_EQ(end_["thresholds_passed"], false);

    // What the run reports is what the target received.
    EXPECT_EQ(summary_["totals"]["requests"].get<int>(), Route("GET /api/v1/projects"));
}

TEST_F(CliGeneratorHealthTest, AbortOnASaturatedGeneratorStopsTheRunEarly) {
    const std::string script = WriteTempScenario(ScenarioText(true));
    const CliResult r = Run(script, {"--threshold-abort", "generator_saturated == 0"});
    ASSERT_TRUE(summary_.is_object()) << r.err << r.out;
    if (!HasHealth()) GTEST_SKIP() << kNoHealth;
    EXPECT_EQ(r.exit_code, 3) << r.err << r.out;
    EXPECT_EQ(summary_["stop_reason"].get<std::string>().rfind("threshold 'generator_saturated == 0' failed at ", 0),
              0u)
        << summary_["stop_reason"];
    EXPECT_LT(summary_["duration_s"].get<double>(), 3.0) << "stopped before its end";
    EXPECT_EQ(summary_["totals"]["requests"].get<int>(), Route("GET /api/v1/projects"));
}

// A light run: whatever the machine's load makes of it, the verdict, the exit code, the warning and the JSON agree.
TEST_F(CliGeneratorHealthTest, ALightRunsVerdictWarningAndExitCodeAgree) {
    const std::string script = WriteTempScenario(ScenarioText(false));
    const CliResult r = Run(script, {"--threshold", "generator_saturated == 0"});
    ASSERT_TRUE(summary_.is_object()) << r.err << r.out;
    if (!HasHealth()) GTEST_SKIP() << kNoHealth;
    const bool saturated = summary_["generators"]["local"]["saturated"].get<bool>();
    EXPECT_EQ(summary_["thresholds"][0]["passed"], !saturated);
    EXPECT_EQ(r.exit_code, saturated ? 3 : 0) << r.err << r.out;
    EXPECT_EQ(summary_.contains("saturation_warning"), saturated);
    EXPECT_EQ(r.out.find("warning: results may understate") != std::string::npos, saturated) << r.out;
    EXPECT_EQ(Route("GET /api/v1/projects"), 60);
    EXPECT_EQ(summary_["totals"]["requests"], 60);
}

// Scopes make no sense for a generator threshold: refused before any request is sent, naming where it was written.
TEST_F(CliGeneratorHealthTest, AScopedGeneratorThresholdIsRefusedBeforeTheRun) {
    const std::string script = WriteTempScenario(ScenarioText(false));
    CliResult r = RunLsengine({"run", script, "--target", Target(), "-q", "--threshold", "work.generator_saturated == 0"});
    EXPECT_EQ(r.exit_code, 2) << r.err << r.out;
    EXPECT_NE(r.err.find("--threshold: threshold 'work.generator_saturated == 0': 'generator_saturated' judges the "
                         "load generators of the whole run"),
              std::string::npos)
        << r.err;
    const std::string in_script = WriteTempScenario(R"(
local s = scenario { name = "spin", rps = 5, vusers = 1, duration = "1s",
                     thresholds = { "generator_lag_p99 < 10" } }
s:task("work", function(self, http) http:get("/") end)
)");
    r = RunLsengine({"run", in_script, "--target", Target(), "-q"});
    EXPECT_EQ(r.exit_code, 2) << r.err << r.out;
    EXPECT_NE(r.err.find("threshold 'generator_lag_p99 < 10': missing unit (did you mean 10ms?)"), std::string::npos)
        << r.err;
    EXPECT_EQ(target_.Stats()["total"], 0) << "nothing was sent";
}

}  // namespace
}  // namespace lse::testing
