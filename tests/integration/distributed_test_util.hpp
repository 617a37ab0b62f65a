#pragma once
// Shared by the distributed-mode CLI tests: the broker token, a scenario generator, a fixture with the demo
// target and external agents, and readers of the summary the coordinator prints.

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "cli_test_util.hpp"
#include "lse/testing/child_process.hpp"
#include "lse/testing/demo_target_process.hpp"

namespace lse::testing {

/// The auth token the tests' brokers (embedded or test-owned) require.
extern const char* const kToken;

/// An open-model scenario 'shop' with a login in on_start and one task 'browse' (GET /api/products with the
/// virtual user's bearer token).
std::string OpenScenario(int rps, const std::string& duration, int vusers = 4);

/// The demo target (ground truth for totals) plus helpers to start external agents against a broker port.
class CliDistributedTest : public ::testing::Test {
protected:
    void SetUp() override { target_.Start(); }
    std::string Target() { return "http://127.0.0.1:" + std::to_string(target_.Port()); }
    /// Requests the demo target received on `route` ("GET /api/products"), 0 if none.
    int Route(const std::string& route);
    /// Requests the demo target received per bearer token: who sent what, when every virtual user has its own.
    std::map<std::string, long> ByToken();
    /// An external agent (the test owns the process); its log goes to TempPath("lse-test-<id>", ".log").
    void StartAgent(ChildProcess* p, int port, const std::string& id, const std::string& cluster, int capacity = 1);
    DemoTargetProcess target_;
};

/// The requests column of agent `id`'s row in the summary's per-agent table; -1 when absent.
long AgentRequests(const std::string& out, const std::string& id);

/// The N of the summary's "total: N requests" line, -1 when absent.
long SummaryTotal(const std::string& out);

/// A nats-server the test owns on 127.0.0.1:port (token kToken), so it can stop and restart it under a running
/// coordinator and agent. Returns once it accepts TCP connections (a gtest failure otherwise).
void StartNats(ChildProcess* p, int port, const std::string& log);

}  // namespace lse::testing
