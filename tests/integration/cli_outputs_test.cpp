// The outputs of a run end to end (docs/outputs.md): --summary-json, --out ndjson, --report, --prometheus, the
// live view on a terminal and off one, and abort_on_fail thresholds stopping a run early. The demo target's own
// counters are the ground truth the files must agree with.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_test_util.hpp"
#include "lse/testing/child_process.hpp"
#include "lse/testing/demo_target_process.hpp"
#include "lse/testing/http_get.hpp"
#include "lse/testing/ports.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {
namespace {

class CliOutputsTest : public ::testing::Test {
protected:
    void SetUp() override {
        target_.Start();
        dir_ = MakeTempDir("lse-outputs-");
    }
    void TearDown() override {
        std::error_code ec;
        if (!HasFailure()) std::filesystem::remove_all(dir_, ec);  // kept for a look when something failed
    }
    std::string Url(const std::string& path) { return "http://127.0.0.1:" + std::to_string(target_.Port()) + path; }
    int Route(const std::string& route) {
        const auto stats = target_.Stats();
        return stats["by_route"].contains(route) ? stats["by_route"][route].get<int>() : 0;
    }
    DemoTargetProcess target_;
    std::string dir_;
};

TEST_F(CliOutputsTest, SummaryJsonNdjsonAndReportAgreeWithTheTarget) {
    const std::string summary = dir_ + "/summary.json";
    const std::string stream = dir_ + "/run.ndjson";
    const std::string report = dir_ + "/report.html";
    const CliResult r = RunLsengine({"url", Url("/api/v1/projects"), "--rps", "40", "--duration", "3s", "-q",
                                     "--summary-json", summary, "--out", "ndjson=" + stream, "--report", report,
                                     "--threshold", "p99 < 5s"});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    const int received = Route("GET /api/v1/projects");
    ASSERT_EQ(received, 120);

    const nlohmann::json s = nlohmann::json::parse(ReadWhole(summary));
    EXPECT_EQ(s["version"], 3);
    EXPECT_EQ(s["totals"]["requests"], received);
    EXPECT_EQ(s["exit_code"], 0);
    EXPECT_EQ(s["run"]["command"], "url");
    ASSERT_EQ(s["thresholds"].size(), 1u);
    EXPECT_TRUE(s["thresholds"][0]["passed"].get<bool>());

    std::ifstream in(stream);
    std::vector<nlohmann::json> lines;
    for (std::string l; std::getline(in, l);) lines.push_back(nlohmann::json::parse(l));
    ASSERT_GE(lines.size(), 5u) << "start, at least 3 intervals, end";
    EXPECT_EQ(lines.front()["type"], "start");
    EXPECT_EQ(lines.back()["type"], "end");
    long streamed = 0;
    for (const auto& l : lines) {
        if (l["type"] == "interval") streamed += l["totals"]["requests"].get<long>();
    }
    EXPECT_EQ(streamed, received) << "the per-second lines add up to the whole run";

    const std::string html = ReadWhole(report);
    EXPECT_NE(html.find("<html"), std::string::npos);
    EXPECT_NE(html.find("uPlot"), std::string::npos) << "charts are inlined";
    EXPECT_EQ(html.find("src=\"http"), std::string::npos) << "nothing is loaded from the network";
    EXPECT_EQ(html.find("href=\"http"), std::string::npos) << "nothing is loaded from the network";
    EXPECT_FALSE(std::filesystem::exists(report + ".tmp"));
}

TEST_F(CliOutputsTest, UnwritableOutputPathsFailBeforeAnyRequest) {
    for (const std::vector<std::string>& flag : std::vector<std::vector<std::string>>{
             {"--report", "/nonexistent-lse-dir/r.html"},
             {"--summary-json", "/nonexistent-lse-dir/s.json"},
             {"--out", "ndjson=/nonexistent-lse-dir/o.ndjson"}}) {
        std::vector<std::string> args = {"url", Url("/api/v1/projects"), "--rps", "10", "--duration", "1s", "-q"};
        args.insert(args.end(), flag.begin(), flag.end());
        const CliResult r = RunLsengine(args);
        EXPECT_EQ(r.exit_code, 5) << flag[0] << "\n" << r.err;
        EXPECT_NE(r.err.find("/nonexistent-lse-dir/"), std::string::npos) << r.err;
    }
    const CliResult r = RunLsengine({"url", Url("/api/v1/projects"), "--rps", "10", "--duration", "1s", "-q", "--out",
                                     "csv=x.csv"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("unknown output type 'csv'"), std::string::npos) << r.err;
    EXPECT_EQ(Route("GET /api/v1/projects"), 0) << "nothing may be sent when an output cannot be written";
}

TEST_F(CliOutputsTest, AbortOnFailThresholdStopsTheRunEarly) {
    const std::string summary = dir_ + "/summary.json";
    const auto started = std::chrono::steady_clock::now();
    const CliResult r = RunLsengine({"url", Url("/api/v1/projects"), "--rps", "50", "--duration", "30s", "-q",
                                     "--threshold-abort", "p95 < 1us, delay=1s", "--summary-json", summary});
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(r.exit_code, 3) << r.err << r.out;
    EXPECT_LT(took, std::chrono::seconds(15)) << "the run went on after the threshold failed";
    EXPECT_NE(r.out.find("stopped early: threshold 'p95 < 1us' failed"), std::string::npos) << r.out;
    EXPECT_LT(Route("GET /api/v1/projects"), 50 * 12);
    const nlohmann::json s = nlohmann::json::parse(ReadWhole(summary));
    EXPECT_EQ(s["exit_code"], 3);
    EXPECT_NE(s["stop_reason"].get<std::string>().find("p95 < 1us"), std::string::npos) << s["stop_reason"];
    EXPECT_EQ(s["totals"]["requests"], Route("GET /api/v1/projects"));
}

TEST_F(CliOutputsTest, PrometheusEndpointIsScrapableDuringTheRun) {
    const int port = FreeTcpPort();
    ChildProcess run;
    run.Start({LSE_LSENGINE_PATH, "url", Url("/api/v1/projects"), "--rps", "50", "--duration", "4s", "-q",
               "--prometheus", "127.0.0.1:" + std::to_string(port)},
              ChildOptions{{}, "/dev/null", TempPath("lse-test-prom-cli", ".err")});
    std::string body;
    for (int i = 0; i < 60; ++i) {
        const SimpleResponse resp = HttpGet(port, "/metrics");
        if (resp.status == 200 && resp.body.find("lsengine_requests_total{") != std::string::npos) {
            body = resp.body;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_FALSE(body.empty()) << "no metrics served while the run went";
    EXPECT_NE(body.find("# TYPE lsengine_response_time_seconds histogram"), std::string::npos) << body;
    EXPECT_NE(body.find("lsengine_target_rps 50"), std::string::npos) << body;
    const auto rc = run.Wait(30'000);
    ASSERT_TRUE(rc.has_value());
    EXPECT_EQ(*rc, 0) << ReadWhole(TempPath("lse-test-prom-cli", ".err"));
}

TEST_F(CliOutputsTest, LiveViewRedrawsAFrameOnATerminalAndPrintsLinesOffOne) {
    // script(1) gives the run a pseudo-terminal, so stderr is a TTY as in an interactive shell.
    const std::string typescript = dir_ + "/tty.out";
    const std::string command = std::string(LSE_LSENGINE_PATH) + " url " + Url("/api/v1/projects") +
                                " --rps 20 --duration 3s";
    CliOptions options;
    options.env = {{"TERM", "xterm"}};
    const CliResult tty = RunCommand({"script", "-qfec", command, typescript}, options);
    ASSERT_EQ(tty.exit_code, 0) << tty.err;
    const std::string screen = ReadWhole(typescript);
    EXPECT_NE(screen.find("F\x1b[J"), std::string::npos) << "the frame is redrawn in place\n" << screen;
    EXPECT_NE(screen.find("[=========="), std::string::npos) << screen;

    const CliResult log = RunLsengine({"url", Url("/api/v1/projects"), "--rps", "20", "--duration", "3s"});
    ASSERT_EQ(log.exit_code, 0) << log.err;
    EXPECT_EQ(log.err.find("\x1b["), std::string::npos) << "no terminal codes in a log\n" << log.err;
    EXPECT_NE(log.err.find("[   3s/3s]"), std::string::npos) << log.err;
}

}  // namespace
}  // namespace lse::testing
