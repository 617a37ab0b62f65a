// DistributedRun's phases against a real nats-server, without the CLI: a run without agent scenarios goes through
// Launch, Assign, Drive and Collect without waiting for anyone; one with agent scenarios waits for its agents and
// gives up (setup error) or stops at once on a signal.
#include "lse/coordinator/distributed_run.hpp"

#include <gtest/gtest.h>

#include <csignal>

#include "lse/core/clock.hpp"
#include "lse/core/errors.hpp"
#include "lse/transport/embedded_broker.hpp"

namespace lse::coordinator {
namespace {

class DoneLoad final : public LocalLoad {
public:
    bool Done() const override { return true; }
    void RequestStop(bool) override {}
    metrics::Snapshot Take() override { return {}; }
};

class DistributedRunTest : public ::testing::Test {
protected:
    void SetUp() override { broker_.Start(transport::BrokerOptions{}); }
    ResolvedOptions Options(const std::string& wait = "60s") {
        DistributedOptions o;
        o.external_agents = 1;
        o.nats_url = broker_.ClientUrl();
        o.nats_token = broker_.Token();
        o.cluster_id = "c1";
        o.agent_wait = wait;
        return ResolveOptions(o);
    }
    PlanAssembly OneScenario(const DistributedRun& run) {
        PlanAssembly plan(run.ClusterId(), run.RunId());
        CapturedScenario c;
        c.name = "s";
        c.vusers_prepared = 1;
        c.plan.vusers.resize(1);
        c.plan.vusers[0].id = 1;
        plan.Add(std::move(c));
        plan.Seal();
        return plan;
    }
    transport::EmbeddedBroker broker_;
    std::vector<std::string> log_;
};

TEST_F(DistributedRunTest, WithoutAgentScenariosNobodyIsWaitedFor) {
    DistributedRun run(Options(), nullptr, [this](const std::string& l) { log_.push_back(l); });
    run.Launch();
    PlanAssembly plan(run.ClusterId(), run.RunId());
    plan.Seal();
    const std::int64_t before = MonotonicClock().NowNs();
    const std::int64_t start_at = run.Assign(plan);
    EXPECT_GE(start_at, before + kNsPerSec);  // the coordinator's own load starts in 1 s
    EXPECT_TRUE(run.Statuses().empty());
    DoneLoad local;
    DriveTiming timing;
    timing.start_at_ns = start_at;
    const DriveOutcome drive = run.Drive(local, timing, {});
    EXPECT_FALSE(drive.stop_sent);
    EXPECT_TRUE(drive.broker_lost.empty());
    const AgentsResult result = run.Collect(drive);
    EXPECT_TRUE(result.reports.empty());
    EXPECT_TRUE(result.notes.empty());
    EXPECT_TRUE(log_.empty()) << log_.front();
}

TEST_F(DistributedRunTest, AgentsThatNeverComeAreASetupError) {
    DistributedRun run(Options("1s"), nullptr, {});
    run.Launch();
    PlanAssembly plan = OneScenario(run);
    EXPECT_THROW(run.Assign(plan), SetupError);
}

TEST_F(DistributedRunTest, ASignalWhileWaitingCancelsTheRun) {
    StopSignals signals;
    DistributedRun run(Options(), &signals, {});
    run.Launch();
    PlanAssembly plan = OneScenario(run);
    signals.Arrive(SIGINT);
    try {
        run.Assign(plan);
        FAIL() << "Assign returned after a signal";
    } catch (const Error& e) {
        EXPECT_EQ(e.code(), ExitCode::kInterrupted);
        EXPECT_STREQ(e.what(), "interrupted before the load started");
    }
}

}  // namespace
}  // namespace lse::coordinator
