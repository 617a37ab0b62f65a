// Regions end to end (issue 16): two agents in network namespaces of their own ("near" and "far"), each behind a
// veth pair to the root namespace where nginx and the coordinator run; the far namespace's link gets 80 ms of
// netem delay. `--region-weights near=70,far=30` must split the arrivals exactly as the shard split says (nginx's
// access log, by source address, is the referee), the region p95s must differ by the delay, and the region
// thresholds must fail for the far region only.
//
// Needs root and network namespaces: skipped with a message where `ip netns add` fails. Where the kernel has no
// netem qdisc (some sandboxes), nginx adds the far namespace's delay itself, chosen by the request's source
// address: the regions still differ by the network path their requests took, and the test says which it used.

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_test_util.hpp"
#include "distributed_test_util.hpp"
#include "lse/sched/shard.hpp"
#include "lse/testing/child_process.hpp"
#include "lse/testing/nginx_server.hpp"
#include "lse/testing/ports.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {
namespace {

constexpr int kRps = 50;
constexpr int kSeconds = 6;
constexpr const char* kFarDelay = "0.08";  // seconds, the far namespace's added latency

bool Run(const std::vector<std::string>& argv, std::string* why = nullptr) {
    const CliResult r = RunCommand(argv, CliOptions{{}, 10'000, 0});
    if (r.exit_code != 0 && why != nullptr) {
        std::string line;
        for (const auto& a : argv) line += (line.empty() ? "" : " ") + a;
        *why = "`" + line + "` failed (exit " + std::to_string(r.exit_code) + "): " + r.err;
    }
    return r.exit_code == 0;
}

// One namespace with a veth pair to the root namespace: host side <root_ip>/24, namespace side <ns_ip>/24, and a
// default route back through the host side (so the namespace reaches every address of the root namespace).
// Deleting the namespace deletes the pair; the destructor always does, even after a failed assertion.
class Namespace {
public:
    Namespace(std::string name, std::string link, int subnet) : name_(std::move(name)), link_(std::move(link)) {
        root_ip_ = "10.231." + std::to_string(subnet) + ".1";
        ns_ip_ = "10.231." + std::to_string(subnet) + ".2";
    }
    ~Namespace() {
        if (created_) Run({"ip", "netns", "del", name_});
    }
    Namespace(const Namespace&) = delete;
    Namespace& operator=(const Namespace&) = delete;

    /// Empty on success, else why it could not be set up.
    std::string Create() {
        std::string why;
        if (!Run({"ip", "netns", "add", name_}, &why)) return why;
        created_ = true;
        const std::string host = link_ + "h";
        const std::string inside = link_ + "n";
        const std::vector<std::vector<std::string>> steps = {
            {"ip", "link", "add", host, "type", "veth", "peer", "name", inside, "netns", name_},
            {"ip", "addr", "add", root_ip_ + "/24", "dev", host},
            {"ip", "link", "set", host, "up"},
            {"ip", "-n", name_, "addr", "add", ns_ip_ + "/24", "dev", inside},
            {"ip", "-n", name_, "link", "set", inside, "up"},
            {"ip", "-n", name_, "link", "set", "lo", "up"},
            {"ip", "-n", name_, "route", "add", "default", "via", root_ip_},
        };
        for (const auto& step : steps) {
            if (!Run(step, &why)) return why;
        }
        return "";
    }
    /// Adds `delay` of netem to everything leaving the namespace; false (and why) when the kernel has no netem.
    bool AddNetemDelay(const std::string& delay, std::string* why) {
        return Run({"ip", "netns", "exec", name_, "tc", "qdisc", "add", "dev", link_ + "n", "root", "netem", "delay",
                    delay},
                   why);
    }
    void StartAgent(ChildProcess* p, const std::string& id, const std::string& region, int nats_port,
                    const std::string& log) const {
        p->Start({"ip", "netns", "exec", name_, LSE_AGENT_PATH, "--coordinator",
                  root_ip_ + ":" + std::to_string(nats_port), "--agent-id", id, "--cluster-id", "regions",
                  "--nats-token", kToken, "--capacity", "1", "--region", region, "--once"},
                 ChildOptions{{}, log, log});
    }
    const std::string& RootIp() const noexcept { return root_ip_; }
    const std::string& NsIp() const noexcept { return ns_ip_; }

private:
    std::string name_;
    std::string link_;
    std::string root_ip_;
    std::string ns_ip_;
    bool created_ = false;
};

// Requests to /region in nginx's access log (`<remote_addr> "<request line>" ...`) from `address`.
long RequestsFrom(const std::vector<std::string>& lines, const std::string& address) {
    long n = 0;
    for (const std::string& l : lines) {
        if (l.rfind(address + " \"GET /region ", 0) == 0) ++n;
    }
    return n;
}

// The P of the summary's "arrivals: P planned = ..." line; -1 when absent.
long PlannedArrivals(const std::string& out) {
    const auto at = out.find("arrivals: ");
    return at == std::string::npos ? -1 : std::strtol(out.c_str() + at + 10, nullptr, 10);
}

TEST(CliRegions, WeightsSplitTheArrivalsExactlyAndRegionThresholdsFailForTheSlowRegionOnly) {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to create network namespaces";
    const int pid = static_cast<int>(getpid());
    const int subnet = 10 + (pid % 100) * 2;  // two /24s per test process: parallel runs do not collide
    Namespace near("lse-near-" + std::to_string(pid), "lrn" + std::to_string(pid), subnet);
    Namespace far("lse-far-" + std::to_string(pid), "lrf" + std::to_string(pid), subnet + 1);
    if (const std::string why = near.Create(); !why.empty()) GTEST_SKIP() << "no network namespaces here: " << why;
    if (const std::string why = far.Create(); !why.empty()) GTEST_SKIP() << "no network namespaces here: " << why;
    std::string netem_error;
    const bool netem = far.AddNetemDelay("80ms", &netem_error);
    std::cout << (netem ? "[ regions  ] far namespace: netem delay 80ms on its link\n"
                        : "[ regions  ] no netem here (" + netem_error +
                              "): nginx delays requests from the far namespace's address by 80ms\n");

    // nginx listens on the near link's root-side address too, so both namespaces (and the coordinator) reach it.
    const int port = FreeTcpPort();
    NginxOptions options;
    options.extra_http = "  map $remote_addr $lse_region_delay { " + far.NsIp() + " " +
                         (netem ? std::string("0.001") : std::string(kFarDelay)) + "; default 0.001; }\n";
    options.extra_server = "    listen " + near.RootIp() + ":" + std::to_string(port) +
                           ";\n    location = /region { echo_sleep $lse_region_delay; echo done; }\n";
    NginxServer nginx;
    nginx.Start(options);
    const std::string target = "http://" + near.RootIp() + ":" + std::to_string(port);

    const int nats_port = FreeTcpPort();
    ChildProcess near_agent;
    ChildProcess far_agent;
    // Agents are ordered by id: a-near owns the first slice of the grid, b-far the second.
    near.StartAgent(&near_agent, "a-near", "near", nats_port, TempPath("lse-test-a-near", ".log"));
    far.StartAgent(&far_agent, "b-far", "far", nats_port, TempPath("lse-test-b-far", ".log"));
    const std::string script = WriteTempScenario(
        "local s = scenario { name = 'shop', rps = " + std::to_string(kRps) + ", vusers = 30, duration = '" +
        std::to_string(kSeconds) + "s' }\n" + "s:task('browse', function(self, http) http:get('/region') end)\n");
    const std::string json_path = TempPath("lse-test-regions", ".json");
    const std::string ndjson_path = TempPath("lse-test-regions", ".ndjson");
    const CliResult r = RunLsengine(
        {"run", script, "--target", target, "-q", "--external-agents", "2", "--cluster-id", "regions", "--nats-port",
         std::to_string(nats_port), "--nats-token", kToken, "--agent-wait", "30s", "--region-weights",
         "near=70,far=30", "--threshold", "region:near.p95 < 40ms", "--threshold", "region:far.p95 < 40ms",
         "--threshold", "p95 < 40ms per region", "--summary-json", json_path, "--out", "ndjson=" + ndjson_path},
        CliOptions{{}, 90'000, 0});
    ASSERT_EQ(r.exit_code, 3) << r.out << r.err << ReadWhole(TempPath("lse-test-b-far", ".log"));

    // The referee: nginx saw every planned arrival once, split exactly as the 70/30 shard split owns them.
    const std::vector<std::string> log = nginx.AccessLogLines();
    const long from_near = RequestsFrom(log, near.NsIp());
    const long from_far = RequestsFrom(log, far.NsIp());
    const long planned = PlannedArrivals(r.out);
    ASSERT_GT(planned, kRps * kSeconds - kRps) << r.out;
    EXPECT_EQ(from_near + from_far, planned) << r.out;
    EXPECT_EQ(SummaryTotal(r.out), planned) << r.out;
    const auto slices = sched::ShardSegment::SplitByWeights({70, 30});
    long owned_by_near = 0;
    for (long k = 1; k <= planned; ++k) owned_by_near += sched::ShardPosition(k) < slices[0].end ? 1 : 0;
    EXPECT_EQ(from_near, owned_by_near);
    EXPECT_EQ(from_far, planned - owned_by_near);

    // Each region's numbers are its own agent's: the far region's p95 carries the delay, the near one's does not.
    std::ifstream in(json_path);
    const nlohmann::json summary = nlohmann::json::parse(in);
    std::remove(json_path.c_str());
    const nlohmann::json& regions = summary.at("regions");
    EXPECT_EQ(regions.at("near").at("totals").at("requests").get<long>(), from_near);
    EXPECT_EQ(regions.at("far").at("totals").at("requests").get<long>(), from_far);
    const auto p95 = [&](const char* region) {
        return regions.at(region).at("totals").at("response_time_us").at("p95").get<long>();
    };
    EXPECT_GE(p95("far"), 80'000);
    EXPECT_LT(p95("near"), 40'000);
    EXPECT_GE(p95("far") - p95("near"), 70'000);

    // The ndjson stream: region_interval lines for both regions, their requests those of the region's agent (all
    // but the last partial second, which only the final totals carry).
    std::map<std::string, long> streamed;
    std::ifstream lines(ndjson_path);
    for (std::string l; std::getline(lines, l);) {
        const nlohmann::json j = nlohmann::json::parse(l);
        if (j.at("type") == "region_interval") streamed[j.at("region")] += j.at("totals").at("requests").get<long>();
    }
    std::remove(ndjson_path.c_str());
    ASSERT_EQ(streamed.size(), 2u);
    EXPECT_LE(streamed["near"], from_near);
    EXPECT_GE(streamed["near"], from_near - kRps);
    EXPECT_LE(streamed["far"], from_far);
    EXPECT_GE(streamed["far"], from_far - kRps);

    // The thresholds: near passes, far fails, "per region" fails naming far.
    const nlohmann::json& verdicts = summary.at("thresholds");
    ASSERT_EQ(verdicts.size(), 3u);
    EXPECT_TRUE(verdicts[0].at("passed").get<bool>()) << verdicts[0];
    EXPECT_FALSE(verdicts[1].at("passed").get<bool>()) << verdicts[1];
    EXPECT_FALSE(verdicts[2].at("passed").get<bool>()) << verdicts[2];
    EXPECT_NE(verdicts[2].at("actual_text").get<std::string>().find("far = "), std::string::npos) << verdicts[2];
    EXPECT_NE(r.out.find("regions (response time):"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(fails)"), std::string::npos) << r.out;
}

// Bad --region-weights fail before anything starts, with the flag and the problem named (exit 2).
TEST(CliRegions, BadRegionWeightsAreUsageErrors) {
    const std::string script = WriteTempScenario(
        "local s = scenario { name = 'shop', rps = 1, duration = '1s' }\n"
        "s:task('browse', function(self, http) http:get('/') end)\n");
    CliResult r = RunLsengine({"run", script, "--target", "http://127.0.0.1:9", "--agents", "1", "--region-weights",
                               "us=1"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("local agents (--agents) have no region"), std::string::npos) << r.err;
    r = RunLsengine({"run", script, "--target", "http://127.0.0.1:9", "--external-agents", "1", "--nats-port",
                     std::to_string(FreeTcpPort()), "--region-weights", "us=60,eu=abc"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("--region-weights: 'eu=abc': the weight must be a number > 0"), std::string::npos) << r.err;
    // An agent's region is one subject token, like its id and group.
    r = RunCommand({LSE_AGENT_PATH, "--coordinator", "127.0.0.1:9", "--region", "eu.west", "--once"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("--region 'eu.west' contains '.'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace lse::testing
