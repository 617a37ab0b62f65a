// `lsengine serve` end to end, with real processes: the service itself (its embedded nats-server, its local agent),
// an external lsengine-agent, the demo target as referee of what was sent, and a real Prometheus scraping /metrics
// with the bearer token. Every run is short and bounded (rate and duration), every wait has a deadline.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "lse/testing/child_process.hpp"
#include "lse/testing/demo_target_process.hpp"
#include "lse/testing/http_get.hpp"
#include "lse/testing/ports.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kApiToken = "api-token-0123456789abcdef";
constexpr const char* kNatsToken = "nats-token-0123456789abcdef01";
constexpr const char* kPrometheus = "/usr/bin/prometheus";

// An open-model scenario of `rps` arrivals per second for `duration`, one GET `path` each.
std::string Script(int rps, const std::string& duration, const std::string& path = "/") {
    return "local s = scenario { name = 'svc', rps = " + std::to_string(rps) + ", vusers = 4, duration = '" +
           duration + "' }\ns:task('home', function(self, http) http:get('" + path + "') end)\n";
}

std::string Header(const SimpleResponse& r, const std::string& name) {
    const auto it = r.headers.find(name);
    return it == r.headers.end() ? "" : it->second;
}

json Parse(const SimpleResponse& r) {
    json j = json::parse(r.body, nullptr, false);
    return j.is_discarded() ? json(nullptr) : j;
}

std::vector<json> NdjsonLines(const std::string& body) {
    std::vector<json> out;
    std::istringstream in(body);
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) out.push_back(json::parse(line, nullptr, false));
    }
    return out;
}

bool WaitUntil(int timeout_ms, const std::function<bool()>& done) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < deadline) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return done();
}

class ServeTest : public ::testing::Test {
protected:
    void SetUp() override {
        target_.Start();
        dir_ = MakeTempDir("serve-");
        token_file_ = dir_ + "/token";
        std::ofstream(token_file_) << kApiToken << "\n";
        std::filesystem::permissions(token_file_, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
        api_port_ = FreeTcpPort();
        nats_port_ = FreeTcpPort();
        cluster_ = "svc-" + std::to_string(getpid());
    }

    void TearDown() override {
        if (serve_.Running()) serve_.Stop();
        if (HasFailure()) std::cerr << "serve log:\n" << ReadWhole(Log()) << "\n(run files in " << dir_ << ")\n";
    }

    std::string Log() const { return dir_ + "/serve.log"; }
    std::string Target() const { return "http://127.0.0.1:" + std::to_string(target_.Port()); }

    void StartServe(std::vector<std::string> extra = {}) {
        std::vector<std::string> argv = {LSE_LSENGINE_PATH, "serve", "--listen", "127.0.0.1:" + std::to_string(api_port_),
                                         "--token-file", token_file_, "--data-dir", dir_ + "/runs", "--nats-host",
                                         "127.0.0.1", "--nats-port", std::to_string(nats_port_), "--cluster-id",
                                         cluster_};
        argv.insert(argv.end(), extra.begin(), extra.end());
        serve_.Start(argv, ChildOptions{{{"LSENGINE_AGENT_BINARY", LSE_AGENT_PATH}, {"LSENGINE_NATS_TOKEN", kNatsToken}},
                                        Log(), Log()});
        ASSERT_TRUE(WaitUntil(15'000, [&] { return HttpGet(api_port_, "/healthz").status == 200; }))
            << "lsengine serve did not answer /healthz:\n" << ReadWhole(Log());
    }

    SimpleResponse Api(const std::string& method, const std::string& path, const std::string& body = "",
                       std::vector<std::pair<std::string, std::string>> headers = {}, int timeout_ms = 10'000) {
        headers.emplace_back("Authorization", std::string("Bearer ") + kApiToken);
        if (!body.empty()) headers.emplace_back("Content-Type", "application/json");
        return HttpRequestSync(api_port_, method, path, body, headers, timeout_ms);
    }

    std::string Submit(const json& request) {
        const SimpleResponse r = Api("POST", "/runs", request.dump());
        EXPECT_EQ(r.status, 201) << r.body << r.error;
        const json j = Parse(r);
        return j.is_object() ? j.value("id", "") : "";
    }

    // Polls GET /runs/{id} until the run has ended; the last answer.
    json WaitFinished(const std::string& id, int timeout_ms) {
        json last;
        WaitUntil(timeout_ms, [&] {
            last = Parse(Api("GET", "/runs/" + id));
            return last.is_object() && last["status"] != "running" && last["status"] != "queued";
        });
        return last;
    }

    long TargetCount(const std::string& route) {
        const json stats = target_.Stats();
        return stats["by_route"].contains(route) ? stats["by_route"][route].get<long>() : 0;
    }

    DemoTargetProcess target_;
    ChildProcess serve_;
    std::string dir_;
    std::string token_file_;
    std::string cluster_;
    int api_port_ = 0;
    int nats_port_ = 0;
};

TEST_F(ServeTest, HealthzIsOpenEverythingElseWantsTheTokenAndSigtermStopsCleanly) {
    StartServe();
    const SimpleResponse health = HttpGet(api_port_, "/healthz");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.body, "ok\n");

    for (const std::string path : {"/runs", "/agents", "/metrics", "/runs/x/report"}) {
        const SimpleResponse none = HttpGet(api_port_, path);
        EXPECT_EQ(none.status, 401) << path;
        EXPECT_EQ(Header(none, "www-authenticate"), "Bearer realm=\"lsengine\"") << path;
        const SimpleResponse wrong =
            HttpRequestSync(api_port_, "GET", path, "", {{"Authorization", "Bearer api-token-0123456789abcdeX"}});
        EXPECT_EQ(wrong.status, 401) << path;
    }
    EXPECT_EQ(HttpRequestSync(api_port_, "POST", "/runs", Script(10, "1s"), {{"Authorization", "Bearer nope"}}).status,
              401);
    EXPECT_EQ(Api("GET", "/runs").status, 200);
    EXPECT_EQ(Api("GET", "/agents").status, 200);
    EXPECT_EQ(Api("GET", "/nothing").status, 404);
    EXPECT_EQ(Api("GET", "/runs/run-none").status, 404);

    const SimpleResponse bad = Api("POST", "/runs", R"({"script":"x","durtion":"1s"})");
    EXPECT_EQ(bad.status, 400);
    EXPECT_NE(Parse(bad).value("error", "").find("'durtion': unknown option"), std::string::npos) << bad.body;
    EXPECT_EQ(Api("POST", "/runs", "{oops").status, 400);

    serve_.Signal(SIGTERM);
    const auto code = serve_.Wait(20'000);
    ASSERT_TRUE(code.has_value()) << "lsengine serve did not stop on SIGTERM";
    EXPECT_EQ(*code, 0);
    EXPECT_NE(ReadWhole(Log()).find("lsengine serve: stopped"), std::string::npos) << ReadWhole(Log());
    EXPECT_FALSE(WaitForTcpPort(nats_port_, 300)) << "the embedded broker outlived the service";
    EXPECT_FALSE(WaitForTcpPort(api_port_, 300));
}

TEST_F(ServeTest, ARunIsSubmittedFollowedLiveAndPassesOneAtATime) {
    StartServe();
    const std::string id = Submit({{"script", Script(20, "3s")}, {"target", Target()},
                                   {"thresholds", {"error_rate < 1%"}}});
    ASSERT_FALSE(id.empty());

    // One run at a time: a second submission while the first runs is refused, naming the active one.
    const SimpleResponse second = Api("POST", "/runs", json{{"script", Script(5, "1s")}, {"target", Target()}}.dump());
    EXPECT_EQ(second.status, 409) << second.body;
    EXPECT_EQ(Parse(second).value("active", ""), id);

    // The ndjson stream follows the run live and ends with it.
    const auto stream_started = Clock::now();
    const SimpleResponse events = Api("GET", "/runs/" + id + "/events", "", {}, 30'000);
    ASSERT_EQ(events.status, 200) << events.error;
    EXPECT_EQ(Header(events, "content-type"), "application/x-ndjson");
    EXPECT_GE(Clock::now() - stream_started, std::chrono::seconds(2)) << "the stream ended before the run did";
    const std::vector<json> lines = NdjsonLines(events.body);
    ASSERT_GE(lines.size(), 3u) << events.body;
    EXPECT_EQ(lines.front()["type"], "start");
    EXPECT_EQ(lines.back()["type"], "end");
    long streamed = 0;
    int intervals = 0;
    for (const json& l : lines) {
        if (l["type"] != "interval") continue;
        ++intervals;
        streamed += l["totals"]["requests"].get<long>();
    }
    EXPECT_GE(intervals, 2);

    const json run = WaitFinished(id, 20'000);
    EXPECT_EQ(run["status"], "passed") << run.dump(2);
    EXPECT_EQ(run["exit_code"], 0);
    ASSERT_TRUE(run["summary"].is_object()) << run.dump(2);
    const long received = TargetCount("GET /");
    EXPECT_EQ(received, 60) << "3 s at 20/s";
    EXPECT_EQ(run["summary"]["totals"]["requests"].get<long>(), received);
    EXPECT_EQ(streamed, received);
    ASSERT_TRUE(run["latest_interval"].is_object());
    EXPECT_EQ(run["latest_interval"]["type"], "interval");

    const SimpleResponse report = Api("GET", "/runs/" + id + "/report");
    EXPECT_EQ(report.status, 200);
    EXPECT_EQ(Header(report, "content-type"), "text/html; charset=utf-8");
    EXPECT_NE(report.body.find("<html"), std::string::npos);

    // Server-sent events on request, same lines.
    const SimpleResponse sse = Api("GET", "/runs/" + id + "/events", "", {{"Accept", "text/event-stream"}});
    EXPECT_EQ(Header(sse, "content-type"), "text/event-stream");
    EXPECT_NE(sse.body.find("event: start\ndata: {"), std::string::npos) << sse.body.substr(0, 300);
    EXPECT_NE(sse.body.find("event: interval\ndata: {"), std::string::npos);
    EXPECT_NE(sse.body.find("event: end\ndata: {"), std::string::npos);

    // The next run is accepted once the first is over; a failing threshold makes it "failed" (exit 3).
    const std::string failing =
        Submit({{"script", Script(10, "1s")}, {"target", Target()}, {"thresholds", {"p95 < 1us"}}});
    const json failed = WaitFinished(failing, 20'000);
    EXPECT_EQ(failed["status"], "failed") << failed.dump(2);
    EXPECT_EQ(failed["exit_code"], 3);
    EXPECT_EQ(failed["summary"]["thresholds_passed"], false) << failed["summary"].dump();

    // A script that does not load is an "error", and the child's own words say why.
    const std::string broken = Submit({{"script", "local s = scenario {\n  name = 'x',,\n}\n"}, {"target", Target()}});
    const json error = WaitFinished(broken, 20'000);
    EXPECT_EQ(error["status"], "error") << error.dump(2);
    EXPECT_EQ(error["exit_code"], 4) << "a script that does not load exits 4";
    EXPECT_NE(error["log_tail"].get<std::string>().find("script.lua:2"), std::string::npos) << error.dump(2);
    EXPECT_EQ(Api("GET", "/runs/" + broken + "/report").status, 404);

    const json list = Parse(Api("GET", "/runs"));
    ASSERT_EQ(list["runs"].size(), 3u);
    EXPECT_EQ(list["runs"][0]["id"], id);
}

TEST_F(ServeTest, DeleteDrainsALongRunAndTheTargetStopsReceiving) {
    StartServe();
    const std::string id = Submit({{"script", Script(20, "60s")}, {"target", Target()}});
    ASSERT_FALSE(id.empty());
    ASSERT_TRUE(WaitUntil(15'000, [&] { return TargetCount("GET /") >= 20; })) << "the run sent nothing";

    const auto stop_sent = Clock::now();
    const SimpleResponse del = Api("DELETE", "/runs/" + id);
    EXPECT_EQ(del.status, 202) << del.body;
    EXPECT_EQ(Parse(del).value("stop", ""), "draining");
    const json run = WaitFinished(id, 20'000);
    EXPECT_LT(Clock::now() - stop_sent, std::chrono::seconds(15)) << "the run did not stop on DELETE";
    EXPECT_EQ(run["status"], "interrupted") << run.dump(2);
    EXPECT_EQ(run["exit_code"], 130);
    ASSERT_TRUE(run["summary"].is_object()) << "a drained run writes its summary";
    EXPECT_EQ(run["summary"]["interrupted"], true);

    const long after_stop = TargetCount("GET /");
    EXPECT_LT(after_stop, 20 * 30) << "far fewer than the 60 s run would have sent";
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_EQ(TargetCount("GET /"), after_stop) << "the target still receives requests after the stop";
    EXPECT_EQ(run["summary"]["totals"]["requests"].get<long>(), after_stop);

    const SimpleResponse again = Api("DELETE", "/runs/" + id);
    EXPECT_EQ(again.status, 200);
    EXPECT_EQ(Parse(again).value("stop", ""), "finished");
}

TEST_F(ServeTest, AgentsOfTheServicesBrokerAreListedAndRunTheLoad) {
    StartServe({"--agents", "1", "--agent-capacity", "1"});
    ChildProcess external;
    external.Start({LSE_AGENT_PATH, "--coordinator", "127.0.0.1:" + std::to_string(nats_port_), "--agent-id", "ext-a",
                    "--cluster-id", cluster_, "--capacity", "1"},
                   ChildOptions{{{"LSENGINE_NATS_TOKEN", kNatsToken}}, dir_ + "/ext-a.log", dir_ + "/ext-a.log"});

    json agents;
    auto idle = [&](const std::string& agent) {
        for (const json& a : agents["agents"]) {
            if (a["id"] == agent) return a["state"] == "idle";
        }
        return false;
    };
    ASSERT_TRUE(WaitUntil(15'000, [&] {
        agents = Parse(Api("GET", "/agents"));
        return idle("ext-a") && idle("serve-agent-0");
    })) << agents.dump(2);
    for (const json& a : agents["agents"]) {
        EXPECT_EQ(a["capacity"], 1) << a.dump();
        EXPECT_FALSE(a["host"].get<std::string>().empty()) << a.dump();
        EXPECT_EQ(a["busy"], false);
    }

    const std::string id = Submit({{"script", Script(20, "3s")}, {"target", Target()}, {"agents", 2},
                                   {"agent_wait", "20s"}});
    ASSERT_FALSE(id.empty());
    bool seen_busy = false;
    WaitUntil(15'000, [&] {
        agents = Parse(Api("GET", "/agents"));
        for (const json& a : agents["agents"]) seen_busy = seen_busy || (a["id"] == "ext-a" && a["busy"] == true);
        return seen_busy;
    });
    EXPECT_TRUE(seen_busy) << "ext-a never showed as busy during the run: " << agents.dump(2);
    const json run = WaitFinished(id, 40'000);
    EXPECT_EQ(run["status"], "passed") << run.dump(2);
    const long received = TargetCount("GET /");
    EXPECT_EQ(received, 60);
    EXPECT_EQ(run["summary"]["totals"]["requests"].get<long>(), received);
    ASSERT_TRUE(run["summary"]["agents"].is_array()) << run["summary"].dump();
    EXPECT_EQ(run["summary"]["agents"].size(), 2u);

    // Both stay with the service for the next run: they register again.
    EXPECT_TRUE(WaitUntil(15'000, [&] {
        agents = Parse(Api("GET", "/agents"));
        return idle("ext-a") && idle("serve-agent-0");
    })) << agents.dump(2);
}

// A real Prometheus scrapes /metrics with the bearer token (and fails without it): the service's own families and
// the running run's request counters arrive.
TEST_F(ServeTest, PrometheusScrapesTheServiceAndTheCurrentRunWithTheToken) {
    if (access(kPrometheus, X_OK) != 0) GTEST_SKIP() << kPrometheus << " is missing (apt-get install prometheus)";
    StartServe();
    const std::string config = dir_ + "/prometheus.yml";
    std::ofstream(config) << "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n"
                             "  - job_name: svc\n    authorization:\n      type: Bearer\n      credentials_file: "
                          << token_file_ << "\n    static_configs:\n      - targets: ['127.0.0.1:" << api_port_
                          << "']\n  - job_name: noauth\n    static_configs:\n      - targets: ['127.0.0.1:"
                          << api_port_ << "']\n";
    const int web_port = FreeTcpPort();
    ChildProcess prometheus;
    prometheus.Start({kPrometheus, "--config.file=" + config, "--storage.tsdb.path=" + dir_ + "/tsdb",
                      "--web.listen-address=127.0.0.1:" + std::to_string(web_port), "--log.level=warn"},
                     ChildOptions{{}, dir_ + "/prometheus.log", dir_ + "/prometheus.log"});
    ASSERT_TRUE(WaitForTcpPort(web_port, 20'000)) << "prometheus did not start; see " << dir_;

    auto query = [&](const std::string& promql) -> double {
        std::string q;
        for (const unsigned char c : promql) {
            static const char* kHex = "0123456789ABCDEF";
            if (std::isalnum(c) != 0) {
                q += static_cast<char>(c);
            } else {
                q += '%';
                q += kHex[c >> 4];
                q += kHex[c & 15];
            }
        }
        const json j = Parse(HttpRequestSync(web_port, "GET", "/api/v1/query?query=" + q, "", {}, 3'000));
        if (!j.is_object() || j.value("status", "") != "success" || j["data"]["result"].size() != 1) return -1;
        return std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
    };

    const std::string id = Submit({{"script", Script(20, "8s")}, {"target", Target()}});
    ASSERT_FALSE(id.empty());
    EXPECT_TRUE(WaitUntil(20'000, [&] { return query("lsengine_service_run_active{job=\"svc\"}") == 1; }));
    EXPECT_TRUE(WaitUntil(20'000, [&] { return query("sum(lsengine_requests_total{job=\"svc\"})") >= 20; }))
        << "the run's request counter never reached Prometheus";
    // Each job's first scrape comes at its own offset within the interval: wait for its `up` sample.
    EXPECT_TRUE(WaitUntil(10'000, [&] { return query("up{job=\"svc\"}") == 1; }));
    double noauth_up = -1;
    EXPECT_TRUE(WaitUntil(10'000, [&] { return (noauth_up = query("up{job=\"noauth\"}")) >= 0; }));
    EXPECT_EQ(noauth_up, 0) << "a scrape without the token must fail";

    const json run = WaitFinished(id, 30'000);
    EXPECT_EQ(run["status"], "passed") << run.dump(2);
    EXPECT_TRUE(WaitUntil(10'000, [&] {
        return query("lsengine_service_runs_total{job=\"svc\",status=\"passed\"}") == 1 &&
               query("lsengine_service_run_active{job=\"svc\"}") == 0;
    }));
    EXPECT_EQ(prometheus.Stop(), 0);
}

}  // namespace
}  // namespace lse::testing
