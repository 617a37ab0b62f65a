// A real Prometheus server scrapes the exporter every second; its query API must then report what the
// exporter was fed. This proves the exposition parses in Prometheus itself, not only in our reader.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "lse/prometheus/exporter.hpp"
#include "lse/testing/child_process.hpp"
#include "lse/testing/http_get.hpp"
#include "lse/testing/ports.hpp"
#include "lse/testing/temp_files.hpp"
#include "snapshot_builder.hpp"

namespace lse::prometheus {
namespace {

constexpr const char* kPrometheus = "/usr/bin/prometheus";
using Clock = std::chrono::steady_clock;

std::string UrlEncode(const std::string& s) {
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

// The value of an instant query with exactly one result, or NaN when there is none (yet).
double QueryOne(int port, const std::string& promql, std::string* last_body) {
    const auto got = lse::testing::HttpRequestSync(port, "GET", "/api/v1/query?query=" + UrlEncode(promql), "", {},
                                                   3'000);
    *last_body = got.error.empty() ? got.body : got.error;
    if (got.status != 200) return NAN;
    const auto json = nlohmann::json::parse(got.body, nullptr, false);
    if (json.is_discarded() || json.value("status", "") != "success") return NAN;
    const auto& result = json["data"]["result"];
    if (!result.is_array() || result.size() != 1) return NAN;
    return std::stod(result[0]["value"][1].get<std::string>());
}

// Polls until pred(value) holds or the deadline passes; returns the last value seen.
double PollQuery(int port, const std::string& promql, Clock::time_point deadline,
                 const std::function<bool(double)>& pred, std::string* last_body) {
    double v = NAN;
    while (Clock::now() < deadline) {
        v = QueryOne(port, promql, last_body);
        if (!std::isnan(v) && pred(v)) return v;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    return v;
}

TEST(PrometheusServer, ScrapesWhatTheExporterWasFed) {
    if (access(kPrometheus, X_OK) != 0) GTEST_SKIP() << kPrometheus << " is missing (apt-get install prometheus)";
    const auto deadline = Clock::now() + std::chrono::seconds(50);

    PrometheusExporter exporter("127.0.0.1:0");
    report::RunDescription run;
    run.script = "shop.lua";
    run.target = "http://127.0.0.1:8080";
    run.total_ns = 10'000'000'000;
    exporter.OnStart(run);

    const std::string dir = lse::testing::MakeTempDir("prometheus-");
    const std::string config = dir + "/prometheus.yml";
    std::ofstream(config) << "global:\n"
                             "  scrape_interval: 1s\n"
                             "  scrape_timeout: 1s\n"
                             "  evaluation_interval: 1s\n"
                             "scrape_configs:\n"
                             "  - job_name: lsengine\n"
                             "    static_configs:\n"
                             "      - targets: ['127.0.0.1:"
                          << exporter.BoundPort() << "']\n";
    const int web_port = lse::testing::FreeTcpPort();
    lse::testing::ChildProcess server;
    lse::testing::ChildOptions options;
    options.stdout_path = dir + "/prometheus.log";
    options.stderr_path = options.stdout_path;
    server.Start({kPrometheus, "--config.file=" + config, "--storage.tsdb.path=" + dir + "/data",
                  "--web.listen-address=127.0.0.1:" + std::to_string(web_port), "--log.level=warn"},
                 options);
    ASSERT_TRUE(lse::testing::WaitForTcpPort(web_port, 20'000)) << "prometheus did not start; see " << dir;

    // Three intervals of 50 responses each, all at 30 ms response time (20 ms service time).
    metrics::Snapshot cumulative;
    for (int i = 1; i <= 3; ++i) {
        metrics::Snapshot interval;
        auto& r = testing::Request(&interval, "browse", "home", "GET /");
        testing::AddResponses(&interval, &r, 50, 200, 20'000, 30'000);
        cumulative += interval;
        exporter.OnInterval(report::IntervalUpdate{interval, cumulative, i * 1'000'000'000LL, run.total_ns, 100, 5,
                                                   "steady", {}});
        std::this_thread::sleep_for(std::chrono::milliseconds(700));
    }

    std::string body;
    EXPECT_EQ(PollQuery(web_port, "up{job=\"lsengine\"}", deadline, [](double v) { return v == 1; }, &body), 1)
        << "the scrape failed: " << body;
    EXPECT_EQ(PollQuery(web_port, "lsengine_requests_total{status=\"200\",request=\"GET /\"}", deadline,
                        [](double v) { return v == 150; }, &body),
              150)
        << body;
    // All samples lie in (0.025, 0.05]: Prometheus interpolates the median linearly inside that bucket.
    const double median = PollQuery(
        web_port, "histogram_quantile(0.5, sum by (le) (lsengine_response_time_seconds_bucket))", deadline,
        [](double v) { return std::abs(v - 0.0375) < 1e-9; }, &body);
    EXPECT_NEAR(median, 0.0375, 1e-9) << body;
    EXPECT_EQ(PollQuery(web_port, "lsengine_request_duration_seconds_count", deadline,
                        [](double v) { return v == 150; }, &body),
              150)
        << body;
    EXPECT_EQ(PollQuery(web_port, "lsengine_active_vusers", deadline, [](double v) { return v == 5; }, &body), 5)
        << body;
    EXPECT_EQ(PollQuery(web_port, "lsengine_run_info{script=\"shop.lua\"}", deadline,
                        [](double v) { return v == 1; }, &body),
              1)
        << body;
    EXPECT_EQ(server.Stop(), 0) << "prometheus should exit cleanly on SIGTERM";
    if (!HasFailure()) std::filesystem::remove_all(dir);  // keep the log and data of a failed run
}

}  // namespace
}  // namespace lse::prometheus
