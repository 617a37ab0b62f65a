#include "distributed_test_util.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "lse/testing/temp_files.hpp"

namespace lse::testing {

const char* const kToken = "0123456789abcdef0123456789abcdef";

std::string OpenScenario(int rps, const std::string& duration, int vusers) {
    return "local s = scenario { name = 'shop', rps = " + std::to_string(rps) + ", vusers = " +
           std::to_string(vusers) + ", duration = '" + duration + "' }\n" +
           R"(function s:on_start(http)
  local r = http:post("/auth/login", { json = { user = "u" .. self.id, pass = "secret" } })
  self.token = r:json().access_token
end
s:task("browse", function(self, http)
  http:get("/api/products", { headers = { Authorization = "Bearer " .. self.token } })
end)
)";
}

int CliDistributedTest::Route(const std::string& route) {
    const auto stats = target_.Stats();
    return stats["by_route"].contains(route) ? stats["by_route"][route].get<int>() : 0;
}

std::map<std::string, long> CliDistributedTest::ByToken() {
    std::map<std::string, long> out;
    const auto stats = target_.Stats();
    for (const auto& [token, count] : stats["by_token"].items()) out[token] = count.get<long>();
    return out;
}

void CliDistributedTest::StartAgent(ChildProcess* p, int port, const std::string& id, const std::string& cluster,
                                    int capacity) {
    p->Start({LSE_AGENT_PATH, "--coordinator", "127.0.0.1:" + std::to_string(port), "--agent-id", id,
              "--cluster-id", cluster, "--nats-token", kToken, "--capacity", std::to_string(capacity)},
             ChildOptions{{}, "/dev/null", TempPath("lse-test-" + id, ".log")});
}

// Pulls the requests column of an agent's row out of the per-agent table.
long AgentRequests(const std::string& out, const std::string& id) {
    const auto table = out.find("\nagents\n");
    if (table == std::string::npos) return -1;
    const auto row = out.find("  " + id + " ", table);
    if (row == std::string::npos) return -1;
    const std::string line = out.substr(row, out.find('\n', row) - row);
    // agent host capacity share requests ...
    std::istringstream in(line);
    std::string agent, host, capacity, share;
    long requests = -1;
    in >> agent >> host >> capacity >> share >> requests;
    return requests;
}

// The N of the summary's "total: N requests" line, -1 when absent.
long SummaryTotal(const std::string& out) {
    const auto at = out.find("total: ");
    if (at == std::string::npos) return -1;
    return std::strtol(out.c_str() + at + 7, nullptr, 10);
}

// A nats-server the test owns, so it can stop and restart it under a running coordinator and agent.
void StartNats(ChildProcess* p, int port, const std::string& log) {
    p->Start({"nats-server", "-a", "127.0.0.1", "-p", std::to_string(port), "--auth", kToken},
             ChildOptions{{}, log, log});
    for (int i = 0; i < 100; ++i) {  // ready when it accepts TCP connections
        const int fd = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<uint16_t>(port));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        const bool up = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
        close(fd);
        if (up) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "nats-server not accepting on port " << port;
}

}  // namespace lse::testing
