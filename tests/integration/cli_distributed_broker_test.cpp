// The broker under a distributed run (issue 12 items 1 and 7): an embedded nats-server that dies mid-run is
// restarted on the same port and token, and the totals still match what the target received; one that cannot be
// restarted, or an external broker that stays down, fails the run with exit 9 and totals marked incomplete.

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "distributed_test_util.hpp"
#include "lse/testing/ports.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {
namespace {

/// The pid of the nats-server child of `parent` (from /proc), -1 when there is none.
pid_t BrokerChildOf(pid_t parent) {
    DIR* proc = opendir("/proc");
    if (proc == nullptr) return -1;
    pid_t found = -1;
    while (dirent* e = readdir(proc)) {
        const pid_t pid = static_cast<pid_t>(std::atol(e->d_name));
        if (pid <= 0) continue;
        const std::string stat = ReadWhole("/proc/" + std::string(e->d_name) + "/stat");
        // pid (comm) state ppid ...
        const auto open = stat.find('(');
        const auto close = stat.rfind(')');
        if (open == std::string::npos || close == std::string::npos) continue;
        const std::string comm = stat.substr(open + 1, close - open - 1);
        const long ppid = std::atol(stat.c_str() + close + 4);
        if (comm == "nats-server" && ppid == parent) {
            found = pid;
            break;
        }
    }
    closedir(proc);
    return found;
}

nlohmann::json ReadJson(const std::string& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

class CliBrokerTest : public CliDistributedTest {
protected:
    void WaitForLoad(int n) {
        for (int i = 0; i < 300 && Route("GET /api/products") < n; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        ASSERT_GE(Route("GET /api/products"), n) << "load never started";
    }
};

TEST_F(CliBrokerTest, EmbeddedBrokerKilledMidRunIsRestartedAndTotalsStayExact) {
    const std::string script = WriteTempScenario(OpenScenario(100, "8s"));
    const std::string out_path = TempPath("lse-test-brokerkill", ".out");
    const std::string err_path = TempPath("lse-test-brokerkill", ".err");
    const std::string summary = TempPath("lse-test-brokerkill", ".json");
    ChildProcess coordinator;
    coordinator.Start({LSE_LSENGINE_PATH, "run", script, "--target", Target(), "-q", "--agents", "2",
                       "--summary-json", summary},
                      ChildOptions{{}, out_path, err_path});
    ASSERT_NO_FATAL_FAILURE(WaitForLoad(200));
    const pid_t broker = BrokerChildOf(coordinator.Pid());
    ASSERT_GT(broker, 0) << "no nats-server child of the coordinator";
    ASSERT_EQ(::kill(broker, SIGKILL), 0);
    const auto rc = coordinator.Wait(60'000);
    ASSERT_TRUE(rc.has_value());
    const std::string out = ReadWhole(out_path);
    const std::string err = ReadWhole(err_path);
    EXPECT_NE(err.find("restarting it on port"), std::string::npos) << err;
    // Every agent's final total arrived through the restarted broker: lsengine counts what the target received.
    const int products = Route("GET /api/products");
    EXPECT_EQ(SummaryTotal(out), products) << out << err;
    EXPECT_GE(products, 700) << "the load went on through the restart\n" << out << err;
    EXPECT_LE(products, 810) << out << err;
    ASSERT_EQ(*rc, 0) << out << err;
    EXPECT_NE(out.find("note: the NATS broker died and was restarted"), std::string::npos) << out;
    const nlohmann::json j = ReadJson(summary);
    ASSERT_TRUE(j.is_object()) << summary;
    EXPECT_TRUE(j["complete"].get<bool>());
    ASSERT_EQ(j["notes"].size(), 1u) << j.dump(2);
    EXPECT_NE(j["notes"][0].get<std::string>().find("restarted"), std::string::npos);
}

TEST_F(CliBrokerTest, EmbeddedBrokerThatCannotBeRestartedFailsTheRunWithExit9) {
    // A nats-server that starts once and then refuses: the restart after the SIGKILL fails.
    const std::string bin = MakeTempDir("lse-test-nats-once-");
    const std::string marker = bin + "/started";
    {
        std::ofstream w(bin + "/nats-server");
        w << "#!/bin/sh\nif [ -e '" << marker << "' ]; then echo 'refusing to start twice' >&2; exit 1; fi\n"
          << "touch '" << marker << "'\nexec /usr/sbin/nats-server \"$@\"\n";
    }
    ::chmod((bin + "/nats-server").c_str(), 0755);
    const char* path = std::getenv("PATH");
    const std::string script = WriteTempScenario(OpenScenario(100, "20s"));
    const std::string out_path = TempPath("lse-test-brokerlost", ".out");
    const std::string err_path = TempPath("lse-test-brokerlost", ".err");
    const std::string summary = TempPath("lse-test-brokerlost", ".json");
    ChildProcess coordinator;
    coordinator.Start({LSE_LSENGINE_PATH, "run", script, "--target", Target(), "-q", "--agents", "2",
                       "--summary-json", summary},
                      ChildOptions{{{"PATH", bin + ":" + (path != nullptr ? path : "/usr/bin:/bin")}}, out_path,
                                   err_path});
    ASSERT_NO_FATAL_FAILURE(WaitForLoad(200));
    const pid_t broker = BrokerChildOf(coordinator.Pid());
    ASSERT_GT(broker, 0) << "no nats-server child of the coordinator";
    const auto killed = std::chrono::steady_clock::now();
    ASSERT_EQ(::kill(broker, SIGKILL), 0);
    const auto rc = coordinator.Wait(60'000);
    ASSERT_TRUE(rc.has_value());
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
    const std::string out = ReadWhole(out_path);
    const std::string err = ReadWhole(err_path);
    EXPECT_EQ(*rc, 9) << out << err;
    EXPECT_LT(took, 8.0) << "the loss is noticed at once, not after the run's 20 s\n" << err;
    EXPECT_NE(out.find("FAIL (exit 9)"), std::string::npos) << out;
    EXPECT_NE(out.find("broker lost"), std::string::npos) << out;
    EXPECT_NE(out.find("could not be restarted"), std::string::npos) << out;
    const nlohmann::json j = ReadJson(summary);
    ASSERT_TRUE(j.is_object()) << summary;
    EXPECT_EQ(j["exit_code"].get<int>(), 9);
    EXPECT_FALSE(j["complete"].get<bool>());
    ASSERT_FALSE(j["fail_reasons"].empty());
    EXPECT_NE(j["fail_reasons"][0].get<std::string>().find("results are incomplete"), std::string::npos);
    // The local agents were stopped with the run: the target gets nothing more.
    const int after = Route("GET /api/products");
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_EQ(Route("GET /api/products"), after) << "agents kept loading after the run failed";
    EXPECT_LT(after, 1500) << "the load did not run its whole 20 s";
}

TEST_F(CliBrokerTest, ExternalBrokerThatStaysDownFailsTheRunWithExit9) {
    const int port = FreeTcpPort();
    ChildProcess nats;
    ASSERT_NO_FATAL_FAILURE(StartNats(&nats, port, TempPath("lse-test-extlost-broker", ".log")));
    ChildProcess agent;
    StartAgent(&agent, port, "orphan", "extlost");
    const std::string script = WriteTempScenario(OpenScenario(20, "40s"));
    const std::string out_path = TempPath("lse-test-extlost", ".out");
    const std::string err_path = TempPath("lse-test-extlost", ".err");
    const std::string summary = TempPath("lse-test-extlost", ".json");
    ChildProcess coordinator;
    coordinator.Start({LSE_LSENGINE_PATH, "run", script, "--target", Target(), "-q", "--external-agents", "1",
                       "--cluster-id", "extlost", "--nats-url", "nats://127.0.0.1:" + std::to_string(port),
                       "--nats-token", kToken, "--agent-wait", "20s", "--summary-json", summary},
                      ChildOptions{{}, out_path, err_path});
    ASSERT_NO_FATAL_FAILURE(WaitForLoad(20));
    const auto killed = std::chrono::steady_clock::now();
    nats.Signal(SIGKILL);
    nats.Wait(5000);
    const auto rc = coordinator.Wait(60'000);
    ASSERT_TRUE(rc.has_value());
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - killed).count();
    const std::string out = ReadWhole(out_path);
    const std::string err = ReadWhole(err_path);
    EXPECT_EQ(*rc, 9) << out << err;
    EXPECT_LT(took, 20.0) << "bounded: not the run's 40 s\n" << err;
    EXPECT_NE(out.find("unreachable"), std::string::npos) << out;
    const nlohmann::json j = ReadJson(summary);
    ASSERT_TRUE(j.is_object()) << summary;
    EXPECT_FALSE(j["complete"].get<bool>());
    EXPECT_EQ(j["exit_code"].get<int>(), 9);
}

}  // namespace
}  // namespace lse::testing
