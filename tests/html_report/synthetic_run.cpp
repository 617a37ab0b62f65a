#include "synthetic_run.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include <gtest/gtest.h>

#include "lse/core/clock.hpp"
#include "lse/metrics/error_groups.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/report/run_observer.hpp"

namespace lse::html_report::testing {
namespace {

using metrics::MakeStatKey;
using metrics::StatKind;

// One second of load: `i` shifts latencies so intervals differ from each other.
void RecordInterval(metrics::Snapshot* s, int i) {
    metrics::RequestStats* products = &s->ForName(MakeStatKey(StatKind::kRequest, "shop", "browse", "GET /products"));
    metrics::RequestStats* hostile = &s->ForName(MakeStatKey(StatKind::kRequest, "shop", kHostileTask, kHostileName));
    for (int n = 0; n < 90; ++n) {
        s->RecordCompletion(products, ErrorKind::kNone, 200, true, 1000 + n * 10 + i * 100, 1200 + n * 10 + i * 100,
                            512, 64);
    }
    for (int n = 0; n < 8; ++n) {
        s->RecordCompletion(hostile, ErrorKind::kNone, n < 6 ? 201 : 500, n < 6, 5000 + n * 100, 9000 + i * 1000,
                            128, 256);
    }
    s->RecordCompletion(hostile, ErrorKind::kTimeout, 0, false, 0, 0, 0, 256);
    s->RecordCompletion(products, ErrorKind::kConnect, 0, false, 0, 0, 0, 0);

    metrics::RequestStats& browse = s->ForName(MakeStatKey(StatKind::kTask, "shop", "browse"));
    for (int n = 0; n < 45; ++n) browse.RecordCompletion(ErrorKind::kNone, 0, true, 2500, 2700, 0, 0);
    metrics::RequestStats& buy = s->ForName(MakeStatKey(StatKind::kTask, "shop", kHostileTask));
    for (int n = 0; n < 4; ++n) buy.RecordCompletion(ErrorKind::kNone, 0, true, 30000, 31000, 0, 0);
    buy.RecordCompletion(ErrorKind::kCheck, 0, false, 40000, 41000, 0, 0);
    s->checks[MakeStatKey(StatKind::kCheck, "shop", kHostileTask, "status is 201")] += metrics::CheckCounts{4, 1};
    s->checks[MakeStatKey(StatKind::kCheck, "shop", "browse", "cart listed", "checkout")] += metrics::CheckCounts{3, 0};
    // Each agent's generator health: agent-1 stays at 0.8 ms of loop lag, agent-2's lag climbs 5 ms a second.
    for (int a = 0; a < 2; ++a) {
        metrics::GeneratorHealth& h = s->generators[a == 0 ? "agent-1" : "agent-2"];
        h.threads = 2;
        h.intervals = 1;
        h.loop_lag_us.RecordN(a == 0 ? 800 : kAgent2LagStepUs * (i + 1), 100);
        h.arrivals = 50;
    }
}

}  // namespace

void FeedSyntheticRun(HtmlReport& report, const SyntheticOptions& options) {
    report::RunDescription run;
    run.command = "run";
    run.script = "shop.lua";
    run.target = "http://127.0.0.1:8080";
    run.scenarios = {report::ScenarioInfo{"shop", "open", 100, 0, 0}};
    run.total_ns = options.intervals * kNsPerSec;
    run.started_unix_ms = 1700000000000;
    run.config = {{"--rps", "100"}, {"header", "<b>X-Token: [redacted]</b>"}};
    run.thresholds = {"p95 < 1s", "shop: p95 < 1ms"};
    run.distributed = true;
    report.OnStart(run);

    metrics::Snapshot cumulative;
    metrics::Snapshot interval;
    std::vector<report::AgentStatus> agents = {{"agent-1", "10.0.0.1", "active", 2, 0.5},
                                               {"agent-2", "10.0.0.2", "timed out", 2, 0.5}};
    for (int i = 0; i < options.intervals; ++i) {
        interval.Reset(i * kNsPerSec, (i + 1) * kNsPerSec);
        RecordInterval(&interval, i);
        cumulative += interval;
        report::IntervalUpdate update{interval, cumulative, (i + 1) * kNsPerSec, run.total_ns, 100.0, 10, "steady",
                                      agents};
        report.OnInterval(update);
    }
    // Lifecycle requests happen outside the load and are in the total only.
    metrics::RequestStats* login = &cumulative.ForName(MakeStatKey(StatKind::kRequest, "shop", "setup", "POST /login"));
    cumulative.RecordCompletion(login, ErrorKind::kNone, 200, true, 800, 800, 100, 100);
    if (options.tagged_row) {
        metrics::RequestStats* tagged =
            &cumulative.ForName(MakeStatKey(StatKind::kRequest, "shop", "browse", "GET /tagged", "", kTaggedRowTags));
        cumulative.RecordCompletion(tagged, ErrorKind::kNone, 200, true, 800, 800, 100, 100);
    }
    // Failure messages grouped by where and why, and on_start runs: 9 of 10 virtual users got ready.
    cumulative.AddError(metrics::MakeErrorKey(MakeStatKey(StatKind::kTask, "shop", kHostileTask), ErrorKind::kScript,
                                              "shop.lua:12: attempt to call global 'chek' (a nil value)"),
                        metrics::ErrorSample{7, 2 * kNsPerSec});
    cumulative.AddError(metrics::MakeErrorKey(MakeStatKey(StatKind::kTask, "shop", "on_start"), ErrorKind::kStatus,
                                              "virtual user not ready: a request got status 401, which is not accepted"),
                        metrics::ErrorSample{1, -kNsPerSec});
    metrics::RequestStats& on_start = cumulative.ForName(MakeStatKey(StatKind::kTask, "shop", "on_start"));
    for (int v = 0; v < 10; ++v) {
        on_start.RecordCompletion(v == 0 ? ErrorKind::kStatus : ErrorKind::kNone, 0, v != 0, 900, 900, 0, 0);
    }
    cumulative.start_ns = kNsPerSec / 2;

    report::SummaryInput summary{cumulative, run.total_ns, 100.0, false};
    summary.scenarios = run.scenarios;
    thresholds::Verdict pass{true, true, 12e6, "p95 = 12ms", "p95 < 1s", ""};
    thresholds::Verdict fail{false, true, 12e6, "shop.p95 = 12ms", "shop: p95 < 1ms", "shop"};
    if (!options.failing_threshold) fail = thresholds::Verdict{true, true, 12e6, "shop.p95 = 12ms", "shop: p95 < 1s",
                                                                "shop"};
    summary.verdicts = {pass, fail};
    if (options.regions) {
        for (int a = 0; a < 2; ++a) {
            metrics::Snapshot region;
            region.Reset(0, kNsPerSec);
            RecordInterval(&region, a);
            summary.regions[a == 0 ? "eu" : kHostileName] = std::move(region);
        }
    }

    report::RunOutcome outcome{summary, {}, options.exit_code, options.failing_threshold ? "threshold failed" : ""};
    if (options.exit_code != 0) outcome.fail_reasons = {"7 iterations of scenario 'shop' failed with script errors"};
    for (std::size_t a = 0; a < agents.size(); ++a) {
        report::AgentResult result;
        result.status = agents[a];
        result.final_received = a == 0;
        interval.Reset(0, kNsPerSec);
        RecordInterval(&interval, static_cast<int>(a));
        result.total = interval;
        result.share_now = a == 0 ? 0.6 : 0.4;
        if (a == 1) {  // agent-2 was saturated, then recovered part of the way
            result.rebalances = {{2 * kNsPerSec, "agent-2", {"agent-2"}, {"agent-1"}, 0.5, 0.3, kRebalanceWhy},
                                 {4 * kNsPerSec, "agent-2", {"agent-1"}, {"agent-2"}, 0.3, 0.4, "recovered"}};
        }
        outcome.agents.push_back(std::move(result));
    }
    report.OnEnd(outcome);
}

std::string FreshDirectory(const std::string& name) {
    const char* tmp = std::getenv("TMPDIR");
    const std::filesystem::path base = tmp != nullptr && *tmp != '\0' ? tmp : ::testing::TempDir();
    const std::filesystem::path dir = base / ("lse_html_report_" + name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir.string();
}

std::string EmbeddedJson(const std::string& html) {
    const std::string open = "<script type=\"application/json\" id=\"lse-data\">";
    const std::size_t begin = html.find(open);
    if (begin == std::string::npos) return {};
    const std::size_t start = begin + open.size();
    const std::size_t end = html.find("</script>", start);
    return end == std::string::npos ? std::string() : html.substr(start, end - start);
}

}  // namespace lse::html_report::testing
