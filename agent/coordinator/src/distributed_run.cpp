#include "lse/coordinator/distributed_run.hpp"

#include <cstdlib>
#include <utility>

#include "lse/coordinator/broker_watch.hpp"
#include "lse/coordinator/coordinator.hpp"
#include "lse/coordinator/local_agents.hpp"
#include "lse/core/clock.hpp"
#include "lse/core/errors.hpp"
#include "lse/transport/broker_config.hpp"
#include "lse/transport/embedded_broker.hpp"

namespace lse::coordinator {
namespace {

std::int64_t Now() { return MonotonicClock().NowNs(); }

metrics::Snapshot TakeWithRegions(Coordinator& coord, std::map<std::string, metrics::Snapshot>* pending) {
    std::map<std::string, metrics::Snapshot> regions;
    metrics::Snapshot out = coord.TakeInterval(&regions);
    for (auto& [name, snap] : regions) (*pending)[name] += snap;
    return out;
}

}  // namespace

// The agents as Drive sees them. Without agent scenarios there is nobody to stop or wait for, and the broker
// does not matter to the run.
class DistributedRun::Agents final : public DrivenAgents {
public:
    Agents(Coordinator& coord, BrokerWatch& watch, bool active, std::map<std::string, metrics::Snapshot>* regions)
        : coord_(coord), watch_(watch), active_(active), regions_(regions) {}
    void Stop(protocol::StopReason reason, bool abort, const std::string& detail) override {
        if (active_) coord_.Stop(reason, abort, detail);
    }
    // The same interval per region waits in the run until the caller takes it (TakeRegionIntervals), merged with
    // what it has not taken yet.
    metrics::Snapshot TakeInterval() override { return TakeWithRegions(coord_, regions_); }
    bool AllDone() const override { return !active_ || coord_.AllDone(); }
    std::string BrokerLost(std::int64_t now) override { return active_ ? watch_.Check(now) : std::string(); }

private:
    Coordinator& coord_;
    BrokerWatch& watch_;
    bool active_;
    std::map<std::string, metrics::Snapshot>* regions_;
};

DistributedRun::DistributedRun(ResolvedOptions options, const StopSignals* signals,
                               std::function<void(const std::string&)> log)
    : options_(std::move(options)),
      signals_(signals),
      log_(std::move(log)),
      run_id_("run-" + transport::RandomHexToken(12)),
      broker_(std::make_unique<transport::EmbeddedBroker>()),
      agents_(std::make_unique<LocalAgents>()) {}

DistributedRun::~DistributedRun() = default;

void DistributedRun::Launch() {
    transport::NatsOptions nats;
    if (options_.local || options_.options.nats_url.empty()) {
        StartBroker();
        nats.urls.push_back(broker_->ClientUrl());
        nats.token = broker_->Token();
    } else {
        nats = ExternalNats(options_.options);
    }
    nats.name = "lsengine coordinator";
    nats.ping_interval_ns = 5 * kNsPerSec;  // keepalive: long runs are not cut by idle timeouts

    CoordinatorOptions co;
    co.nats = nats;
    co.cluster_id = options_.cluster_id;
    co.run_id = run_id_;
    co.group = options_.options.agent_group;
    co.region_weights = options_.region_weights;
    co.agents = options_.agent_count;
    co.rebalance = options_.rebalance;
    co.log = log_;
    coord_ = std::make_unique<Coordinator>(co);
    coord_->Connect();
    watch_ = std::make_unique<BrokerWatch>(*broker_, *coord_, log_);
    watch_->SetSince(Now());
    if (options_.local) StartLocalAgents();
}

void DistributedRun::StartBroker() {
    transport::BrokerOptions bo;
    bo.host = options_.local ? "127.0.0.1" : "0.0.0.0";
    bo.port = options_.local ? 0 : options_.options.nats_port;
    bo.token = options_.options.nats_token;
    broker_->Start(bo);
    if (options_.local || !log_) return;
    // A generated token is printed once: the user has no other way to learn it. A token the user chose is a
    // secret they already hold; it is never echoed into a log.
    const std::string shown_token = options_.options.nats_token.empty() ? broker_->Token() : "<your --nats-token>";
    log_("NATS broker listening on port " + std::to_string(broker_->Port()) + "; start agents with: " +
         "lsengine-agent --coordinator <this-host>:" + std::to_string(broker_->Port()) + " --nats-token " +
         shown_token + " --cluster-id " + options_.cluster_id);
}

void DistributedRun::StartLocalAgents() {
    const DistributedOptions& o = options_.options;
    LocalAgentOptions lo;
    const char* override_bin = std::getenv("LSENGINE_AGENT_BINARY");
    if (!o.agent_binary.empty()) {
        lo.binary = o.agent_binary;
    } else {
        lo.binary = override_bin != nullptr && *override_bin != '\0' ? override_bin : AgentBinaryBeside();
    }
    lo.nats_url = broker_->ClientUrl();
    lo.token = broker_->Token();
    lo.cluster_id = options_.cluster_id;
    lo.count = options_.agent_count;
    lo.capacity = o.agent_capacity;
    lo.extra_args = o.agent_args;
    lo.extra_env = o.agent_env;
    agents_->Start(lo);
}

void DistributedRun::ThrowIfInterrupted() const {
    if (signals_ != nullptr && signals_->Interrupted()) throw Error(ExitCode::kInterrupted, "interrupted before the load started");
}

void DistributedRun::Check() {
    ThrowIfInterrupted();
    if (!watch_) return;  // not launched yet: nothing else to watch
    const std::string& lost = watch_->Check(Now());
    if (!lost.empty()) {
        throw Error(ExitCode::kInfrastructure, lost + " (before the load started): the run was not started");
    }
    if (!options_.local) return;
    const auto exited = agents_->Exited();
    if (!exited.empty()) {
        const int index = std::stoi(exited.front().substr(6));  // "agent-N"
        throw SetupError("local agent " + exited.front() + " exited early:\n" + agents_->LogTail(index));
    }
}

std::int64_t DistributedRun::Assign(PlanAssembly& plan) {
    any_agent_scenario_ = !plan.Empty();
    arrivals_known_ = plan.ArrivalsAccounted();
    if (!any_agent_scenario_) return Now() + kNsPerSec;
    WaitForAgents();
    coord_->SetAgentPlans([&plan](std::size_t agent, const std::vector<double>& capacities,
                                  const std::vector<protocol::ScenarioShare>& shares) {
        return plan.BytesForAgent(agent, capacities, shares);
    });
    coord_->Assign(std::string(), plan.Scenarios(), [this] { Check(); });
    plan.ReleasePlan();  // the coordinator keeps each agent's slice: the decoded plan is not needed any more
    ThrowIfInterrupted();
    const std::int64_t start_at = coord_->Start();
    watch_->SetSince(start_at);
    return start_at;
}

void DistributedRun::WaitForAgents() {
    try {
        coord_->WaitForAgents(options_.agent_wait_ns, [this] { Check(); });
    } catch (const SetupError& e) {
        // Refused agents never reach the coordinator (the broker closes them before they can register), but the
        // embedded broker's log names them: say so instead of a bare "0 registered".
        const std::vector<std::string> refused = broker_->RefusedClients();
        if (refused.empty()) throw;
        std::string names;
        for (const std::string& r : refused) names += (names.empty() ? "" : ", ") + r;
        throw SetupError(std::string(e.what()) + "; the broker refused " + names +
                         ": wrong or missing token (check their --nats-token / LSENGINE_NATS_TOKEN)");
    }
}

std::vector<AgentReport> DistributedRun::Statuses() const {
    if (!any_agent_scenario_) return {};
    return coord_->Reports(false);
}

DriveOutcome DistributedRun::Drive(LocalLoad& local, const DriveTiming& timing, DriveHooks hooks) {
    if (hooks.signals == nullptr) hooks.signals = signals_;
    if (!hooks.log) hooks.log = log_;
    Agents agents(*coord_, *watch_, any_agent_scenario_, &pending_regions_);
    return coordinator::Drive(agents, local, timing, hooks);
}

metrics::Snapshot DistributedRun::TakeInterval() { return TakeWithRegions(*coord_, &pending_regions_); }

std::map<std::string, metrics::Snapshot> DistributedRun::TakeRegionIntervals() {
    std::map<std::string, metrics::Snapshot> out;
    out.swap(pending_regions_);
    return out;
}

AgentsResult DistributedRun::Collect(const DriveOutcome& drive) {
    AgentsEnd end;
    end.broker_lost = drive.broker_lost;
    end.broker_restarts = watch_->Restarts();
    end.arrivals_known = arrivals_known_;
    if (any_agent_scenario_) {
        if (!drive.stop_sent) coord_->Stop(protocol::StopReason::kCompleted, false, "run over");
        end.reports = coord_->Reports();
        end.total = coord_->Total();
        end.missing_finals = coord_->MissingFinals();
        end.region_gaps = coord_->RegionGaps();
    }
    AgentsResult out = SummarizeAgents(std::move(end), log_);
    coord_->Close();
    agents_->Stop();
    broker_->Stop();
    return out;
}

}  // namespace lse::coordinator
