// Which clients a nats-server log shows refused for authentication (EmbeddedBroker::RefusedClients): the
// coordinator names them when no agent registered. Lines as nats-server 2.x writes them.

#include <gtest/gtest.h>

#include "lse/transport/embedded_broker.hpp"

namespace lse::transport {
namespace {

TEST(RefusedClientsInLog, NamesEachRefusedAgentOnceWithItsAddress) {
    const std::string log =
        "[4562] 2026/12/07 03:36:51.912018 [INF] Server is ready\n"
        "[4562] 2026/12/07 03:36:52.426359 [ERR] 127.0.0.1:45656 - cid:4 - \"v3.4.1:C:lsengine-agent x\" - "
        "authentication error\n"
        "[4562] 2026/12/07 03:36:52.427696 [ERR] 127.0.0.1:45672 - cid:5 - \"v3.4.1:C:lsengine-agent x\" - "
        "authentication error\n"
        "[4562] 2026/12/07 03:36:53.000000 [ERR] 10.0.0.7:5000 - cid:6 - \"v2.0:go:other:client\" - "
        "authentication error\n"
        "[4562] 2026/12/07 03:36:54.000000 [ERR] [::1]:6000 - cid:7 - authentication error\n"
        "[4562] 2026/12/07 03:36:55.000000 [INF] 127.0.0.1:45680 - cid:8 - Client connection closed\n";
    EXPECT_EQ(RefusedClientsInLog(log),
              (std::vector<std::string>{"x (127.0.0.1)", "other:client (10.0.0.7)", "unnamed ([::1])"}));
}

TEST(RefusedClientsInLog, NoneInACleanLog) {
    EXPECT_TRUE(RefusedClientsInLog("").empty());
    EXPECT_TRUE(RefusedClientsInLog("[1] [INF] Server is ready\n[1] [ERR] something else\n").empty());
}

}  // namespace
}  // namespace lse::transport
