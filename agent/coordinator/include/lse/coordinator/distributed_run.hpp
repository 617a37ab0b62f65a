#pragma once
/// @file
/// The coordinator of a distributed run, in phases (docs/protocol.md, docs/architecture.md):
///
///   Launch   the broker (embedded, or a connection to an external one), the coordinator's connection and the
///            local agent processes; they come up while the caller captures the plan.
///   Capture  the caller runs the script's setup and captures each agent scenario (Lua lives outside this
///            module), gathering them in a PlanAssembly; Check() cancels on a signal or a dead agent.
///   Assign   waits for the agents, ships the plan, sends Start; returns the start instant.
///   Drive    polls the agents, the local load and the broker until the final totals (drive.hpp).
///   Collect  the final Stop, the reports and totals, then the connection, the agents and the broker go.
///
/// The caller (the CLI) keeps what is not orchestration: flags, the script, the live view, the summary and the
/// outputs. Everything started here is stopped on every exit path (RAII, and PR_SET_PDEATHSIG for SIGKILL).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "lse/coordinator/collect.hpp"
#include "lse/coordinator/distributed_options.hpp"
#include "lse/coordinator/drive.hpp"
#include "lse/coordinator/plan_assembly.hpp"
#include "lse/core/stop_signals.hpp"

namespace lse::transport {
class EmbeddedBroker;
}

namespace lse::coordinator {

class BrokerWatch;
class Coordinator;
class LocalAgents;

class DistributedRun {
public:
    /// signals: the signals received so far (RunSignals::Signals; null = none); log: one line per event, no newline.
    DistributedRun(ResolvedOptions options, const StopSignals* signals,
                   std::function<void(const std::string&)> log);
    ~DistributedRun();
    DistributedRun(const DistributedRun&) = delete;
    DistributedRun& operator=(const DistributedRun&) = delete;

    const std::string& ClusterId() const noexcept { return options_.cluster_id; }
    const std::string& RunId() const noexcept { return run_id_; }
    int AgentCount() const noexcept { return options_.agent_count; }

    /// Starts the broker, connects, spawns local agents. Throws lse::SetupError.
    void Launch();
    /// Called while setting up (about every 100 ms, and between captures): throws on a signal (kInterrupted), a
    /// lost broker (kInfrastructure) or a local agent that exited (SetupError with its log).
    void Check();
    /// Throws lse::Error(kInterrupted, "interrupted before the load started") once a signal came.
    void ThrowIfInterrupted() const;
    /// Waits for the agents, assigns `plan` (sealed) and starts them; returns start_at (monotonic ns). Without agent
    /// scenarios nothing is sent and the load starts in 1 s.
    /// Each agent gets its slice of `plan` (PlanAssembly::BytesForAgent); the decoded plan is released once all
    /// have theirs (plan.Size() then tells what they weigh).
    std::int64_t Assign(PlanAssembly& plan);
    /// The agents' states for the live view (no totals); empty without agent scenarios.
    std::vector<AgentReport> Statuses() const;
    DriveOutcome Drive(LocalLoad& local, const DriveTiming& timing, DriveHooks hooks);
    /// What arrived since the last poll (the caller's final drain after Drive).
    metrics::Snapshot TakeInterval();
    /// Agents with --region: what the intervals taken so far (Drive's polls, TakeInterval) held per region, since
    /// the previous call; empty without regions. Same thread as Drive (its on_poll hook).
    std::map<std::string, metrics::Snapshot> TakeRegionIntervals();
    /// Stops the agents if Drive did not, reads their results, then closes the connection and stops the local
    /// agents and the broker.
    AgentsResult Collect(const DriveOutcome& drive);

private:
    class Agents;  // DrivenAgents over the Coordinator and the BrokerWatch
    void StartBroker();
    void StartLocalAgents();
    void WaitForAgents();

    ResolvedOptions options_;
    const StopSignals* signals_ = nullptr;
    std::function<void(const std::string&)> log_;
    std::string run_id_;
    bool any_agent_scenario_ = false;
    bool arrivals_known_ = false;
    std::unique_ptr<transport::EmbeddedBroker> broker_;
    std::unique_ptr<Coordinator> coord_;
    std::unique_ptr<LocalAgents> agents_;
    std::unique_ptr<BrokerWatch> watch_;
    std::map<std::string, metrics::Snapshot> pending_regions_;
};

}  // namespace lse::coordinator
