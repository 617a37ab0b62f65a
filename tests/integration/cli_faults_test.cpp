// The fault suite (issue 6): the real lsengine binary against targets that are down, refuse, reset, stall, answer
// garbage, close keep-alive connections or freeze; a NATS broker that is not there; report files on a full or
// read-only disk. Each case asserts the exit code, the error kind counted in --summary-json, the totals against
// what the target itself counted where it can count, and a bounded wall time (no hang).
//
// Agents killed / SIGSTOPped mid-run, the coordinator killed and the NATS broker restarted mid-run are covered in
// cli_distributed_test.cpp (KilledAgentsShareIsRedistributed, StoppedAgentTimesOutThenRecovers,
// AgentsStopLoadWhenTheCoordinatorDies, NatsRestartMidRunLosesNoMetrics) and are not repeated here.

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_test_util.hpp"
#include "lse/testing/child_process.hpp"
#include "lse/testing/demo_target_process.hpp"
#include "lse/testing/nginx_server.hpp"
#include "lse/testing/ports.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {
namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

long Count(const json& stats, const std::string& section, const std::string& key) {
    return stats.contains(section) && stats[section].contains(key) ? stats[section][key].get<long>() : 0;
}

// errors_by_kind of the run's totals, as one line for failure messages.
std::string Kinds(const json& summary) { return summary["totals"]["errors_by_kind"].dump(); }

// A listener that is there but refuses to serve. kResetOnAccept: accepts and aborts each connection at once
// (SO_LINGER 0: RST). kFullBacklog: a backlog that is already full (the test fills it), never accepting, so the
// kernel drops further SYNs and connects can only time out.
class RefusingListener {
public:
    enum class Mode { kResetOnAccept, kFullBacklog, kCount };

    explicit RefusingListener(Mode mode) {
        fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
        socklen_t len = sizeof(addr);
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
        port_ = ntohs(addr.sin_port);
        EXPECT_EQ(listen(fd_, mode == Mode::kFullBacklog ? 0 : 128), 0);
        if (mode == Mode::kResetOnAccept) {
            thread_ = std::thread([this] { AcceptAndReset(); });
        } else {
            // Backlog 0 holds one completed connection (Linux allows backlog + 1); two make sure it is full.
            for (int i = 0; i < 2; ++i) fillers_.push_back(ConnectNonBlocking());
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    ~RefusingListener() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        for (int fd : fillers_) close(fd);
        close(fd_);
    }
    int Port() const { return port_; }
    int Accepted() const { return accepted_.load(); }

private:
    int ConnectNonBlocking() const {
        const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<uint16_t>(port_));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));  // EINPROGRESS: completes in the kernel
        return fd;
    }
    void AcceptAndReset() {
        while (!stop_) {
            pollfd p{fd_, POLLIN, 0};
            if (poll(&p, 1, 50) <= 0) continue;
            const int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) continue;
            const linger abort_on_close{1, 0};
            setsockopt(c, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof(abort_on_close));
            close(c);
            ++accepted_;
        }
    }

    int fd_ = -1;
    int port_ = 0;
    std::thread thread_;
    std::atomic<bool> stop_{false};
    std::atomic<int> accepted_{0};
    std::vector<int> fillers_;
};

class CliFaultsTest : public ::testing::Test {
protected:
    void SetUp() override { dir_ = MakeTempDir("lse-faults-"); }
    void TearDown() override {
        std::error_code ec;
        if (!HasFailure()) std::filesystem::remove_all(dir_, ec);  // kept for a look when something failed
    }
    static std::string Url(int port, const std::string& path) {
        return "http://127.0.0.1:" + std::to_string(port) + path;
    }
    std::string Url(const std::string& path) { return Url(target_.Port(), path); }
    long Route(const std::string& route) { return Count(target_.Stats(), "by_route", route); }
    long Status(const std::string& status) { return Count(target_.Stats(), "by_status", status); }

    // `lsengine url ... -q --summary-json <dir>/summary.json`; the parsed summary lands in summary_, the wall
    // time in elapsed_s_.
    CliResult RunUrl(std::vector<std::string> args, CliOptions options = {}) {
        const std::string summary = dir_ + "/summary.json";
        std::filesystem::remove(summary);
        args.insert(args.begin(), "url");
        args.insert(args.end(), {"-q", "--summary-json", summary});
        const auto started = Clock::now();
        CliResult r = RunLsengine(args, options);
        elapsed_s_ = Seconds(Clock::now() - started);
        summary_ = json::parse(ReadWhole(summary), nullptr, false);
        if (summary_.is_discarded()) summary_ = json::object({{"totals", {{"errors_by_kind", {}}}}});
        return r;
    }
    long Total(const std::string& field) { return summary_["totals"].value(field, -1L); }
    long Errors(const std::string& kind) { return Count(summary_["totals"], "errors_by_kind", kind); }

    DemoTargetProcess target_;
    std::string dir_;
    json summary_;
    double elapsed_s_ = 0;
};

// --- the target ------------------------------------------------------------------------------------------------

TEST_F(CliFaultsTest, TargetDownCountsConnectErrorsAndEndsOnTime) {
    const int dead = FreeTcpPort();  // nothing listens: every connect is refused
    const CliResult r = RunUrl({Url(dead, "/"), "--rps", "20", "--duration", "2s"});
    EXPECT_EQ(r.exit_code, 8) << "no request succeeded: a documented failing exit\n" << r.err << r.out;
    EXPECT_GT(Total("requests"), 0) << r.out;
    EXPECT_EQ(Errors("connect"), Total("requests")) << Kinds(summary_);
    EXPECT_EQ(Total("ok"), 0);
    // Each of the 40 arrivals is either a failed request or dropped (while its virtual user was still busy).
    EXPECT_EQ(Total("requests") + Total("dropped"), 40) << summary_["totals"].dump();
    EXPECT_LT(elapsed_s_, 2 + 5.0) << "the run must end on time";
    EXPECT_NE(r.out.find("connect"), std::string::npos) << "the summary names the error kind\n" << r.out;
    // ... and the reason, grouped by message, in the summary and the JSON.
    EXPECT_NE(r.out.find("connection refused"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("no request succeeded"), std::string::npos) << r.out;
    const json& errors = summary_["scenarios"][0]["errors"];
    ASSERT_EQ(errors.size(), 1u) << summary_.dump(2);
    EXPECT_EQ(errors[0]["kind"], "connect");
    EXPECT_EQ(errors[0]["count"].get<long>(), Total("requests"));
    EXPECT_NE(errors[0]["message"].get<std::string>().find("connection refused"), std::string::npos);
    EXPECT_EQ(summary_["exit_code"], 8);
    EXPECT_FALSE(summary_["fail_reasons"].empty());
}

TEST_F(CliFaultsTest, ListenerThatResetsOnAcceptCountsResets) {
    RefusingListener listener(RefusingListener::Mode::kResetOnAccept);
    const CliResult r = RunUrl({Url(listener.Port(), "/"), "--rps", "20", "--duration", "2s"});
    EXPECT_EQ(r.exit_code, 8) << "no request succeeded: a documented failing exit\n" << r.err << r.out;
    EXPECT_GT(Total("requests"), 0) << r.out;
    EXPECT_EQ(Total("ok"), 0);
    EXPECT_EQ(Total("errors"), Total("requests"));
    // An aborted connection is a reset; when the RST lands before the client's connect completion ran, the socket
    // reports it as the connect's own error, a connect failure (which also fails what queued on that connection).
    // Either way a failure of that connection and nothing else.
    EXPECT_EQ(Errors("reset") + Errors("connect"), Total("requests")) << Kinds(summary_);
    EXPECT_GT(Errors("reset"), 0) << Kinds(summary_);
    EXPECT_EQ(Total("requests") + Total("dropped"), 40) << summary_["totals"].dump();
    EXPECT_GT(listener.Accepted(), 0);
    EXPECT_LE(listener.Accepted(), Total("requests")) << "never more than one connection per request";
    EXPECT_LT(elapsed_s_, 2 + 5.0);
}

TEST_F(CliFaultsTest, ListenerWithAFullBacklogIsAConnectTimeout) {
    RefusingListener listener(RefusingListener::Mode::kFullBacklog);
    const CliResult r = RunUrl({Url(listener.Port(), "/"), "--rps", "10", "--duration", "2s", "--connect-timeout",
                                "300ms", "--timeout", "1s"});
    EXPECT_EQ(r.exit_code, 8) << "no request succeeded: a documented failing exit\n" << r.err << r.out;
    EXPECT_GT(Total("requests"), 0) << r.out;
    EXPECT_EQ(Total("ok"), 0);
    // The SYNs are dropped: the connect timeout fires (kConnect), or the request timeout when it comes first.
    EXPECT_EQ(Errors("connect") + Errors("timeout"), Total("requests")) << Kinds(summary_);
    EXPECT_GT(Errors("connect"), 0) << Kinds(summary_);
    EXPECT_EQ(Total("requests") + Total("dropped"), 20) << summary_["totals"].dump();
    EXPECT_LT(elapsed_s_, 2 + 1 + 5.0) << "duration + timeout + slack";
}

TEST_F(CliFaultsTest, ResetMidResponseIsCountedForEveryRequest) {
    target_.Start();
    const CliResult r = RunUrl({Url("/fault/reset"), "--rps", "20", "--duration", "2s"});
    EXPECT_EQ(r.exit_code, 8) << "no request succeeded: a documented failing exit\n" << r.err << r.out;
    EXPECT_EQ(Total("requests"), 40) << summary_["totals"].dump();
    EXPECT_EQ(Errors("reset"), 40) << Kinds(summary_);
    EXPECT_EQ(Route("GET /fault/reset"), 40) << "no retry: the response had started";
    EXPECT_LT(elapsed_s_, 2 + 5.0);
}

TEST_F(CliFaultsTest, StallingTargetTimesOutAndTheRunEndsWithinDurationPlusTimeout) {
    target_.Start();
    const CliResult r = RunUrl({Url("/fault/hang"), "--rps", "10", "--duration", "2s", "--timeout", "500ms"});
    EXPECT_EQ(r.exit_code, 8) << "no request succeeded: a documented failing exit\n" << r.err << r.out;
    EXPECT_EQ(Total("requests"), 20) << summary_["totals"].dump();
    EXPECT_EQ(Errors("timeout"), 20) << Kinds(summary_);
    EXPECT_EQ(Route("GET /fault/hang"), 20);
    EXPECT_LT(elapsed_s_, 2 + 0.5 + 4.0) << "duration + timeout + slack";
    EXPECT_NE(r.out.find("timeout"), std::string::npos) << r.out;
}

TEST_F(CliFaultsTest, GarbageResponsesAreParseErrors) {
    target_.Start();
    const CliResult r = RunUrl({Url("/fault/garbage"), "--rps", "20", "--duration", "2s"});
    EXPECT_EQ(r.exit_code, 8) << "no request succeeded: a documented failing exit\n" << r.err << r.out;
    EXPECT_EQ(Total("requests"), 40) << summary_["totals"].dump();
    EXPECT_EQ(Errors("parse"), 40) << Kinds(summary_);
    EXPECT_EQ(Route("GET /fault/garbage"), 40);
    const json& errors = summary_["scenarios"][0]["errors"];
    ASSERT_FALSE(errors.empty()) << "the parse error's reason is kept\n" << summary_.dump(2);
    EXPECT_EQ(errors[0]["kind"], "parse");
    EXPECT_EQ(errors[0]["count"].get<long>(), 40);
    EXPECT_LT(elapsed_s_, 2 + 5.0);
}

TEST_F(CliFaultsTest, KeepAliveDisabledByTheServerGivesNoErrors) {
    // nginx with keepalive_requests 1 answers every request with "Connection: close": the client must not reuse
    // the connection, so GET and POST alike see no error.
    NginxServer nginx;
    nginx.Start(NginxOptions{"0", 1});
    CliResult r = RunUrl({Url(nginx.HttpPort(), "/"), "--rps", "30", "--duration", "2s"});
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_EQ(Total("requests"), 60) << summary_["totals"].dump();
    EXPECT_EQ(Total("errors"), 0) << Kinds(summary_);
    EXPECT_EQ(nginx.CountRequests("\"GET / "), 60);

    r = RunUrl({Url(nginx.HttpPort(), "/echo"), "-X", "POST", "--body", "hello", "--rps", "30", "--duration", "2s"});
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_EQ(Total("requests"), 60) << summary_["totals"].dump();
    EXPECT_EQ(Total("errors"), 0) << Kinds(summary_);
    EXPECT_EQ(nginx.CountRequests("\"POST /echo "), 60);
}

TEST_F(CliFaultsTest, ServerClosingAReusedConnectionIsRetriedForGetAndCountedForPost) {
    // /fault/close-reused answers the first request of each connection with a keep-alive 200 and closes the
    // connection, unanswered, when the next request arrives on it: the race of a keep-alive timeout.
    target_.Start();
    CliResult r = RunUrl({Url("/fault/close-reused"), "--rps", "20", "--duration", "2s", "--vusers", "1"});
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    // GET is idempotent: the stale-connection retry resends it on a fresh connection, so no error is counted...
    EXPECT_EQ(Total("errors"), 0) << Kinds(summary_);
    EXPECT_EQ(Total("requests"), 40 - Total("dropped")) << summary_["totals"].dump();
    EXPECT_EQ(Status("200"), Total("requests")) << "every request was answered exactly once";
    // ... and the target saw the attempts that hit the closing connection too (one per reuse).
    EXPECT_GT(Route("GET /fault/close-reused"), Total("requests") + 10) << target_.Stats().dump();

    // POST is not idempotent: it is never resent, the failure is counted as a reset. What happens: the first POST
    // on each connection succeeds, the next one on it fails and takes the connection down, so about half fail.
    target_.ResetStats();
    r = RunUrl({Url("/fault/close-reused"), "-X", "POST", "--body", "x", "--rps", "20", "--duration", "2s",
                "--vusers", "1"});
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_EQ(Total("requests"), 40 - Total("dropped")) << summary_["totals"].dump();
    EXPECT_GT(Errors("reset"), 10) << Kinds(summary_);
    EXPECT_EQ(Errors("reset"), Total("errors")) << Kinds(summary_);
    EXPECT_EQ(Total("ok"), Status("200")) << "what succeeded is what the target answered";
    EXPECT_EQ(Route("POST /fault/close-reused"), Total("requests")) << "a POST is sent once, never retried";
}

// Freezes the demo target for 1 s, 1 s into the load (not into lsengine's start-up, which is slow under the
// sanitizers), while `run` runs; returns run's result.
template <typename Run>
CliResult WithFrozenTarget(DemoTargetProcess& target, Run run) {
    ChildProcess& process = target.Process();
    std::thread freezer([&target, &process] {
        for (int i = 0; i < 200; ++i) {
            try {
                if (Count(target.Stats(), "by_route", "GET /api/v1/projects") > 0) break;
            } catch (const std::exception&) {  // the test's own assertions report a target that is gone
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        std::this_thread::sleep_for(std::chrono::seconds(1));
        process.Signal(SIGSTOP);
        std::this_thread::sleep_for(std::chrono::seconds(1));
        process.Signal(SIGCONT);
    });
    CliResult r = run();
    freezer.join();
    return r;
}

TEST_F(CliFaultsTest, FrozenTargetQueuesArrivalsAndTheWaitShowsInResponseTimeOnly) {
    target_.Start();
    const CliResult r = WithFrozenTarget(target_, [this] {
        return RunUrl({Url("/api/v1/projects"), "--rps", "100", "--duration", "4s", "--vusers", "2"});
    });
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    const json& totals = summary_["totals"];
    EXPECT_EQ(Total("errors"), 0) << Kinds(summary_);
    // The 1 s freeze at 100 rps: both virtual users wait on it, and the ~100 arrivals meanwhile queue for them
    // (the default --max-wait is --timeout). Nothing is dropped: every scheduled arrival is sent, and the
    // target saw each of them once.
    EXPECT_EQ(Total("dropped"), 0) << totals.dump();
    EXPECT_EQ(Total("requests"), 400) << totals.dump();
    EXPECT_EQ(Route("GET /api/v1/projects"), 400);
    // wrk2's picture: the queued arrivals were served fast once the target woke up (service time), but each
    // is measured from when it should have started (response time), so the freeze is in the percentiles.
    EXPECT_GE(totals["response_time_us"].value("p99", 0L), 500'000) << totals.dump();
    EXPECT_GE(totals["response_time_us"].value("p90", 0L), 200'000) << totals.dump();
    EXPECT_LT(totals["service_time_us"].value("p99", 0L), 200'000) << totals.dump();
    EXPECT_GE(totals["service_time_us"].value("max", 0L), 800'000) << totals.dump();  // the two caught in it
    EXPECT_LT(elapsed_s_, 4 + 5.0);
}

TEST_F(CliFaultsTest, FrozenTargetShowsInTheResponseTimeOfALuaScenariosRequests) {
    // The same freeze under a Lua scenario: the wait for a virtual user is the iteration's start delay, and
    // every request of a late iteration carries it, so the request rows (and the totals thresholds read)
    // show the freeze, not only the task row.
    target_.Start();
    const std::string script = WriteTempScenario(R"(
local s = scenario { name = 'frozen', rps = 100, vusers = 2, duration = '4s' }
s:task("get", function(self, http) http:get("/api/v1/projects") end)
)");
    const std::string summary = dir_ + "/lua-summary.json";
    const CliResult r = WithFrozenTarget(target_, [&] {
        return RunLsengine({"run", script, "--target", Url("/"), "-q", "--summary-json", summary});
    });
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    summary_ = json::parse(ReadWhole(summary), nullptr, false);
    ASSERT_FALSE(summary_.is_discarded()) << r.err;
    const json& totals = summary_["totals"];
    EXPECT_EQ(Total("dropped"), 0) << totals.dump();
    EXPECT_EQ(Total("requests"), 400) << totals.dump();
    EXPECT_GE(totals["response_time_us"].value("p99", 0L), 500'000) << totals.dump();
    EXPECT_LT(totals["service_time_us"].value("p99", 0L), 200'000) << totals.dump();
    const json& task = summary_["scenarios"][0]["tasks"][0];
    EXPECT_GE(task["response_time_us"].value("p99", 0L), 500'000) << task.dump();
}

TEST_F(CliFaultsTest, FrozenTargetWithMaxWaitZeroDropsArrivals) {
    target_.Start();
    const CliResult r = WithFrozenTarget(target_, [this] {
        return RunUrl({Url("/api/v1/projects"), "--rps", "100", "--duration", "4s", "--vusers", "2", "--max-wait",
                       "0"});
    });
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    const json& totals = summary_["totals"];
    EXPECT_EQ(Total("errors"), 0) << Kinds(summary_);
    EXPECT_EQ(Total("requests"), Route("GET /api/v1/projects"));
    EXPECT_EQ(Total("requests") + Total("dropped"), 400) << totals.dump();
    // k6's picture: arrivals that find no idle virtual user are dropped at once, counted rather than hidden.
    EXPECT_GE(Total("dropped"), 50) << totals.dump();
    EXPECT_LE(Total("dropped"), 200) << totals.dump();
    EXPECT_GE(totals["response_time_us"].value("max", 0L), 800'000) << totals.dump();
    EXPECT_LT(elapsed_s_, 4 + 5.0);
}

TEST_F(CliFaultsTest, ArrivalsStillWaitingAtTheEndAreDroppedNotSentLate) {
    target_.Start();
    // Freeze the target for the whole second half: the queue only grows, and when the run ends what still waits
    // is dropped. Every arrival is either sent within the run or dropped; none is sent after the end.
    ChildProcess& process = target_.Process();
    std::thread freezer([this, &process] {
        for (int i = 0; i < 200 && Count(target_.Stats(), "by_route", "GET /api/v1/projects") == 0; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        process.Signal(SIGSTOP);
        std::this_thread::sleep_for(std::chrono::milliseconds(3000));
        process.Signal(SIGCONT);
    });
    const CliResult r = RunUrl({Url("/api/v1/projects"), "--rps", "100", "--duration", "3s", "--vusers", "2",
                                "--timeout", "2s"});
    freezer.join();
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    const json& totals = summary_["totals"];
    EXPECT_EQ(Total("requests") + Total("dropped"), 300) << totals.dump();
    EXPECT_GE(Total("dropped"), 100) << totals.dump();
    // What the target counted once it woke up: only requests lsengine had sent (the two caught in the freeze time
    // out, and the target may still answer them late), never one sent after the end.
    EXPECT_LE(Route("GET /api/v1/projects"), Total("requests")) << Kinds(summary_);
}

// --- the broker ------------------------------------------------------------------------------------------------

TEST_F(CliFaultsTest, NatsDownAtStartIsAClearErrorNamingTheUrl) {
    target_.Start();
    const std::string nats_url = "nats://127.0.0.1:" + std::to_string(FreeTcpPort());
    const std::string script = WriteTempScenario(R"(
local s = scenario { name = 'down', rps = 10, vusers = 2, duration = '2s' }
s:task("get", function(self, http) http:get("/api/v1/projects") end)
)");
    const auto started = Clock::now();
    const CliResult r = RunLsengine({"run", script, "--target", Url("/"), "-q", "--external-agents", "1",
                                     "--nats-url", nats_url, "--agent-wait", "60s"});
    EXPECT_EQ(r.exit_code, 5) << r.err << r.out;
    EXPECT_NE(r.err.find(nats_url), std::string::npos) << r.err;
    EXPECT_LT(Seconds(Clock::now() - started), 15.0) << "must fail fast, not wait for agents";
    EXPECT_EQ(target_.Stats()["total"].get<long>(), 0) << "nothing is sent";
}

// --- the disk --------------------------------------------------------------------------------------------------

// A 64 KiB tmpfs mounted on a fresh directory, for the duration of a test. Needs root (CAP_SYS_ADMIN).
class SmallDisk {
public:
    explicit SmallDisk(const std::string& dir) : dir_(dir) {
        mounted_ = mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=64k") == 0;
        if (!mounted_) error_ = std::strerror(errno);
    }
    ~SmallDisk() {
        if (mounted_) umount2(dir_.c_str(), MNT_DETACH);
    }
    bool Mounted() const { return mounted_; }
    const std::string& Error() const { return error_; }
    /// Writes zeros until the file system says no.
    void Fill() {
        std::ofstream out(dir_ + "/filler", std::ios::binary);
        const std::string block(4096, '\0');
        for (int i = 0; i < 1000 && out.write(block.data(), block.size()); ++i) out.flush();
    }
    bool RemountReadOnly() {
        return mount(nullptr, dir_.c_str(), nullptr, MS_REMOUNT | MS_RDONLY, nullptr) == 0;
    }

private:
    std::string dir_;
    bool mounted_ = false;
    std::string error_;
};

TEST_F(CliFaultsTest, FullDiskForTheReportsStillPrintsTheSummaryAndNamesTheFile) {
    const std::string mnt = dir_ + "/full";
    std::filesystem::create_directory(mnt);
    SmallDisk disk(mnt);
    if (!disk.Mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (" << disk.Error() << "): needs root";
    target_.Start();
    disk.Fill();
    const std::string report = mnt + "/report.html";
    const std::string summary = mnt + "/summary.json";
    const CliResult r = RunLsengine({"url", Url("/api/v1/projects"), "--rps", "20", "--duration", "1s", "-q",
                                     "--report", report, "--summary-json", summary},
                                    CliOptions{{}, 30'000});
    EXPECT_EQ(r.exit_code, 5) << r.err << r.out;
    EXPECT_NE(r.out.find("total: 20 requests"), std::string::npos) << "the summary still prints\n" << r.out;
    EXPECT_NE(r.err.find(report), std::string::npos) << "the message names every file that failed\n" << r.err;
    EXPECT_NE(r.err.find(summary), std::string::npos) << "the message names every file that failed\n" << r.err;
    EXPECT_NE(r.err.find("No space left"), std::string::npos) << r.err;
    EXPECT_EQ(Route("GET /api/v1/projects"), 20) << "the run itself went ahead";
    for (const auto& entry : std::filesystem::directory_iterator(mnt)) {
        EXPECT_NE(entry.path().extension(), ".tmp") << entry.path() << " was left behind";
    }
}

TEST_F(CliFaultsTest, ReadOnlyReportDirectoryFailsBeforeAnyRequest) {
    // chmod 0555 means nothing to root, so the directory is a tmpfs remounted read-only instead.
    const std::string mnt = dir_ + "/ro";
    std::filesystem::create_directory(mnt);
    SmallDisk disk(mnt);
    if (!disk.Mounted()) GTEST_SKIP() << "cannot mount a tmpfs here (" << disk.Error() << "): needs root";
    ASSERT_TRUE(disk.RemountReadOnly()) << std::strerror(errno);
    target_.Start();
    const std::string report = mnt + "/report.html";
    const auto started = Clock::now();
    const CliResult r = RunLsengine({"url", Url("/api/v1/projects"), "--rps", "20", "--duration", "5s", "-q",
                                     "--report", report},
                                    CliOptions{{}, 30'000});
    EXPECT_EQ(r.exit_code, 5) << r.err << r.out;
    EXPECT_NE(r.err.find(report), std::string::npos) << r.err;
    EXPECT_LT(Seconds(Clock::now() - started), 4.0) << "the path is checked before the run, not after it";
    EXPECT_EQ(target_.Stats()["total"].get<long>(), 0) << "nothing is sent";
    EXPECT_TRUE(std::filesystem::is_empty(mnt));
}

}  // namespace
}  // namespace lse::testing
