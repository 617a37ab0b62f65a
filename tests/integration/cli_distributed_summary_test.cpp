// The distributed summary is as complete as a single-node one: on_start and on_stop run on the coordinator,
// and their requests and checks are in the summary; every second of the load reaches the outputs once, aligned,
// and never as a spurious empty second.

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "cli_test_util.hpp"
#include "distributed_test_util.hpp"
#include "lse/testing/temp_files.hpp"

#include <nlohmann/json.hpp>

namespace lse::testing {
namespace {

constexpr int kVusers = 4;

// Open model, 20 arrivals/s for 3 s; a checked login per virtual user in on_start, a checked request in on_stop.
std::string LifecycleScenario() {
    return "local s = scenario { name = 'shop', rps = 20, vusers = " + std::to_string(kVusers) +
           ", duration = '3s' }\n" +
           R"(function s:on_start(http)
  local r = http:post("/auth/login", { json = { user = "u" .. self.id, pass = "secret" } })
  check("login ok", r.status == 200)
  self.token = r:json().access_token
end
s:task("browse", function(self, http)
  http:get("/api/products", { headers = { Authorization = "Bearer " .. self.token } })
end)
function s:on_stop(http)
  local r = http:get("/")
  check("bye", r.status == 200)
end
)";
}

// The summary line that starts with `prefix` (after its indentation), "" when absent.
std::string SummaryLine(const std::string& out, const std::string& prefix) {
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
        const auto first = line.find_first_not_of(' ');
        if (first != std::string::npos && line.compare(first, prefix.size(), prefix) == 0) return line;
    }
    return "";
}

// The whole numbers after the row's name, up to the first other word: "  on_start  4  4  0  12.0ms" -> {4, 4, 0}.
std::vector<long> Counts(const std::string& line, const std::string& name) {
    std::vector<long> out;
    const auto at = line.find(name);
    if (at == std::string::npos) return out;
    std::istringstream in(line.substr(at + name.size()));
    for (std::string word; in >> word;) {
        if (word.find_first_not_of("0123456789") != std::string::npos) break;
        out.push_back(std::stol(word));
    }
    return out;
}

struct Progress {
    long elapsed_s;
    long total_s;
    double rps;
};

std::vector<Progress> ProgressLines(const std::string& err) {
    static const std::regex kLine(R"(^\[ *(\d+)s/(\d+)s\] +(?:[0-9.]+ it/s (?:\(target [0-9.]+\) +)?)?([0-9.]+) rps)");
    std::vector<Progress> out;
    std::istringstream in(err);
    for (std::string line; std::getline(in, line);) {
        std::smatch m;
        if (std::regex_search(line, m, kLine)) {
            out.push_back(Progress{std::stol(m[1]), std::stol(m[2]), std::stod(m[3])});
        }
    }
    return out;
}

TEST_F(CliDistributedTest, SummaryHasTheLifecycleRowsAndChecksOfASingleNodeRun) {
    const std::string script = WriteTempScenario(LifecycleScenario());
    const CliResult dist = RunLsengine({"run", script, "--target", Target(), "--seed", "3", "--agents", "2"});
    ASSERT_EQ(dist.exit_code, 0) << dist.err << dist.out;
    EXPECT_EQ(Route("POST /auth/login"), kVusers);
    EXPECT_EQ(SummaryTotal(dist.out), 60) << "lifecycle requests stay out of the load total\n" << dist.out;

    // The lifecycle table: requests, ok, errors per hook; on_start once per virtual user.
    EXPECT_EQ(Counts(SummaryLine(dist.out, "on_start "), "on_start"), (std::vector<long>{kVusers, kVusers, 0}))
        << dist.out;
    EXPECT_EQ(Counts(SummaryLine(dist.out, "on_stop "), "on_stop"), (std::vector<long>{kVusers, kVusers, 0}))
        << dist.out;
    // Checks made in the hooks: passes, fails.
    EXPECT_EQ(Counts(SummaryLine(dist.out, "on_start: login ok"), "login ok"), (std::vector<long>{kVusers, 0}))
        << dist.out;
    EXPECT_EQ(Counts(SummaryLine(dist.out, "on_stop: bye"), "bye"), (std::vector<long>{kVusers, 0})) << dist.out;
    // One request per iteration: 60 arrivals in 3 s against a target of 20/s.
    EXPECT_NE(dist.out.find("achieved 20.0 of 20.0 it/s (100.0%), 20.0 rps"), std::string::npos)
        << dist.out;

    // The same on_start rows as a single-node run of the same file. (Single-node runs do not show on_stop yet:
    // its workers publish their last metrics before on_stop runs.)
    const CliResult single = RunLsengine({"run", script, "--target", Target(), "--seed", "3", "-q"});
    ASSERT_EQ(single.exit_code, 0) << single.err << single.out;
    for (const char* row : {"on_start ", "on_start: login ok"}) {
        EXPECT_EQ(Counts(SummaryLine(dist.out, row), row), Counts(SummaryLine(single.out, row), row)) << row;
    }
}

TEST_F(CliDistributedTest, EverySecondOfTheLoadArrivesAlignedWithoutASpuriousZero) {
    // The per-second stream gets exactly what the live view gets: each second once the agents' data for it
    // arrived, the last partial second from their final totals, never an empty second while load runs.
    const std::string script = WriteTempScenario(LifecycleScenario());
    const std::string stream = TempPath("lse-test-dist-seconds", ".ndjson");
    const CliResult r = RunLsengine({"run", script, "--target", Target(), "--agents", "2", "--out", "ndjson=" + stream});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    std::ifstream in(stream);
    std::vector<nlohmann::json> seconds;
    for (std::string line; std::getline(in, line);) {
        nlohmann::json j = nlohmann::json::parse(line);
        if (j["type"] == "interval") seconds.push_back(std::move(j));
    }
    std::remove(stream.c_str());
    ASSERT_GE(seconds.size(), 3u) << r.err;
    long requests = 0;
    for (size_t i = 0; i < seconds.size(); ++i) {
        const double elapsed = seconds[i]["elapsed_s"].get<double>();
        EXPECT_GT(seconds[i]["totals"]["requests"].get<long>(), 0) << "second " << i << " is empty\n" << r.err;
        EXPECT_LE(elapsed, 3.0);
        if (i > 0) {
            EXPECT_GT(elapsed, seconds[i - 1]["elapsed_s"].get<double>());
        }
        requests += seconds[i]["totals"]["requests"].get<long>();
    }
    EXPECT_EQ(seconds.back()["elapsed_s"].get<double>(), 3.0) << "the last second of the load is shown";
    EXPECT_EQ(requests, SummaryTotal(r.out)) << "the seconds add up to the summary's total\n" << r.out;
    // Off a terminal, the live view prints compact lines, each with a rate above 0.
    const std::vector<Progress> lines = ProgressLines(r.err);
    ASSERT_GE(lines.size(), 1u) << r.err;
    for (const Progress& p : lines) EXPECT_GT(p.rps, 0.0) << r.err;
    EXPECT_EQ(lines.back().elapsed_s, 3) << r.err;
}

TEST_F(CliDistributedTest, SummaryJsonAndReportCarryThePerAgentTable) {
    const std::string script = WriteTempScenario(LifecycleScenario());
    const std::string summary = TempPath("lse-test-dist-summary", ".json");
    const std::string report = TempPath("lse-test-dist-report", ".html");
    const CliResult r = RunLsengine({"run", script, "--target", Target(), "--agents", "2", "-q", "--summary-json",
                                     summary, "--report", report});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    std::ifstream in(summary);
    const nlohmann::json j = nlohmann::json::parse(in);
    const std::string html = ReadWhole(report);
    std::remove(summary.c_str());
    std::remove(report.c_str());
    EXPECT_TRUE(j["run"]["distributed"].get<bool>());
    ASSERT_EQ(j["agents"].size(), 2u) << j.dump(2);
    long by_agents = 0;
    for (const auto& a : j["agents"]) {
        EXPECT_EQ(a["state"], "active");
        EXPECT_TRUE(a["final_received"].get<bool>());
        by_agents += a["totals"]["requests"].get<long>();
    }
    EXPECT_EQ(by_agents, 60) << "the agents' rows add up to the load (lifecycle requests run on the coordinator)";
    EXPECT_EQ(j["totals"]["requests"].get<long>(), 60) << "lifecycle requests stay out of the load totals";
    EXPECT_NE(html.find("agent-0"), std::string::npos);
    EXPECT_NE(html.find("agent-1"), std::string::npos);
}

}  // namespace
}  // namespace lse::testing
