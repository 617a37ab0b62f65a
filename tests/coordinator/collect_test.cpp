// The Collect phase's rules: missing final totals are logged; after a broker restart they make the run incomplete,
// while a restart that cost nothing is only a note; the agents' arrivals are summed.
#include "lse/coordinator/collect.hpp"

#include <gtest/gtest.h>

namespace lse::coordinator {
namespace {

AgentReport Report(const std::string& id, std::int64_t planned, std::int64_t lost) {
    AgentReport r;
    r.id = id;
    r.planned = planned;
    r.sent = planned - lost;
    r.lost = lost;
    r.unreported_estimate = lost / 2;
    return r;
}

TEST(Collect, MissingFinalsAreLoggedAndLastKnownTotalsUsed) {
    AgentsEnd end;
    end.missing_finals = {"agent-1", "agent-2"};
    std::vector<std::string> log;
    const AgentsResult r = SummarizeAgents(end, [&](const std::string& l) { log.push_back(l); });
    ASSERT_EQ(log.size(), 1u);
    EXPECT_EQ(log[0], "no final totals from agent-1, agent-2: their last known totals are used");
    EXPECT_TRUE(r.broker_lost.empty());  // without a broker restart an agent's death is its own (exit 9 elsewhere)
    EXPECT_TRUE(r.notes.empty());
}

TEST(Collect, ABrokerRestartThatCostFinalsMakesTheRunIncomplete) {
    AgentsEnd end;
    end.missing_finals = {"agent-0"};
    end.broker_restarts = {"was killed by signal 9 at 8.0 s"};
    const AgentsResult r = SummarizeAgents(end, {});
    EXPECT_EQ(r.broker_lost,
              "the NATS broker was killed by signal 9 at 8.0 s and was restarted, but no final totals came from agent-0");
    EXPECT_TRUE(r.notes.empty());
}

TEST(Collect, ABrokerRestartThatCostNothingIsANote) {
    AgentsEnd end;
    end.broker_restarts = {"exited with status 1 at 2.0 s", "was killed by signal 9 at 5.0 s"};
    const AgentsResult r = SummarizeAgents(end, {});
    EXPECT_TRUE(r.broker_lost.empty());
    ASSERT_EQ(r.notes.size(), 1u);
    EXPECT_EQ(r.notes[0],
              "the NATS broker died and was restarted (exited with status 1 at 2.0 s; was killed by signal 9 at "
              "5.0 s); every agent's final totals arrived, so the totals are complete");
}

TEST(Collect, ARegionWithoutAgentsIsANoteWithItsTimesAndPart) {
    AgentsEnd end;
    end.region_gaps = {RegionGap{"eu", 0.3, 12'000'000'000, 20'500'000'000}, RegionGap{"asia", 0.1, 30'000'000'000}};
    const AgentsResult r = SummarizeAgents(end, {});
    EXPECT_TRUE(r.broker_lost.empty());
    ASSERT_EQ(r.notes.size(), 2u);
    EXPECT_EQ(r.notes[0], "region eu had no agent taking load from 12.0 s to 20.5 s: its 30% of --region-weights "
                          "went to the other regions, so the traffic mix was not the one asked for");
    EXPECT_EQ(r.notes[1], "region asia had no agent taking load from 30.0 s to the end: its 10% of --region-weights "
                          "went to the other regions, so the traffic mix was not the one asked for");
}

TEST(Collect, ALostBrokerStaysTheReason) {
    AgentsEnd end;
    end.missing_finals = {"agent-0"};
    end.broker_restarts = {"was killed by signal 9 at 1.0 s"};
    end.broker_lost = "the NATS broker was unreachable for 10.0 s at 12.0 s";
    const AgentsResult r = SummarizeAgents(end, {});
    EXPECT_EQ(r.broker_lost, "the NATS broker was unreachable for 10.0 s at 12.0 s");
    EXPECT_TRUE(r.notes.empty());
}

TEST(Collect, ArrivalsAreSummedOverAgents) {
    AgentsEnd end;
    end.arrivals_known = true;
    end.reports = {Report("agent-0", 100, 0), Report("agent-1", 80, 20)};
    const AgentsResult r = SummarizeAgents(end, {});
    EXPECT_TRUE(r.arrivals.known);
    EXPECT_EQ(r.arrivals.planned, 180);
    EXPECT_EQ(r.arrivals.sent, 160);
    EXPECT_EQ(r.arrivals.lost, 20);
    EXPECT_EQ(r.arrivals.unreported_estimate, 10);
    EXPECT_EQ(r.arrivals.lost_agents, (std::vector<std::string>{"agent-1"}));
    ASSERT_EQ(r.reports.size(), 2u);
}

}  // namespace
}  // namespace lse::coordinator
