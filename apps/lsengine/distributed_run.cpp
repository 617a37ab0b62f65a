// `lsengine run --agents N | --external-agents N`: maps the flags onto a coordinator::DistributedRun, runs its
// phases with the script's side (setup, capture, on_stop, teardown) and prints. The orchestration itself lives in
// agent/coordinator (distributed_run.hpp); see docs/architecture.md.

#include "distributed_run.hpp"

#include <algorithm>
#include <iostream>
#include <memory>

#include "coordinator_load.hpp"
#include "distributed_capture.hpp"
#include "distributed_dry_run.hpp"
#include "distributed_live_view.hpp"
#include "distributed_script.hpp"
#include "load_curve.hpp"
#include "lse/coordinator/agent_table.hpp"
#include "lse/coordinator/distributed_run.hpp"
#include "lse/coordinator/run_signals.hpp"
#include "lse/core/units.hpp"
#include "lse/lua/lifecycle.hpp"
#include "lse/metrics/stat_key.hpp"
#include "run_finish.hpp"
#include "run_thresholds.hpp"

namespace lse::cli {
namespace {

using coordinator::RunSignals;

void Log(const std::string& line) { std::cerr << "lsengine: " << line << "\n"; }

coordinator::DistributedOptions ToOptions(const RunFlags& f) {
    const DistributedFlags& d = f.dist;
    coordinator::DistributedOptions o;
    o.local_agents = d.agents;
    o.external_agents = d.external_agents;
    o.cluster_id = d.cluster_id;
    o.agent_group = d.agent_group;
    o.region_weights = d.region_weights;
    o.agent_wait = d.agent_wait;
    o.rebalance = d.rebalance;
    o.nats_url = d.nats_url;
    o.nats_token = d.nats_token;
    o.nats_user = d.nats_user;
    o.nats_password = d.nats_password;
    o.nats_creds = d.nats_creds;
    o.nats_tls = d.nats_tls;
    o.nats_ca_file = d.nats_ca_file;
    o.nats_port = d.nats_port;
    o.agent_capacity = f.threads;
    o.agent_args = {"--timeout", f.client.timeout, "--connect-timeout", f.client.connect_timeout};
    if (f.client.insecure) o.agent_args.push_back("--insecure");
    for (std::string& arg : AgentClientArgs(f.client)) o.agent_args.push_back(std::move(arg));
    o.agent_env = AgentClientEnv(f.client);
    o.agent_args.insert(o.agent_args.end(), {"--max-header-size", f.client.max_header_size});
    return o;
}

// What the outputs describe, and the coordinator scenarios' workloads.
struct LoadParts {
    std::vector<report::ScenarioInfo> infos;
    std::vector<runtime::Workload> local_workloads;
    std::int64_t run_ns = 0;
};

LoadParts PrepareLoad(const DistributedScript& s, bool quiet, int agent_count) {
    LoadParts parts;
    for (size_t i = 0; i < s.chosen.size(); ++i) {
        runtime::LoadSpec spec = s.specs[i];
        spec.grace_ns = std::min<std::int64_t>(s.client.request_timeout_ns, spec.grace_ns);
        parts.run_ns = std::max(parts.run_ns, spec.RunLengthNs());
        parts.infos.push_back(DescribeScenario(s.chosen[i].name, spec));
        if (!quiet) {
            std::cerr << "lsengine: scenario '" << s.chosen[i].name << "' on " << s.target.origin.HostHeader()
                      << " | ";
            PrintLoadCurveShort(std::cerr, spec);
            std::cerr << (s.on_agents[i] ? " | on " + std::to_string(agent_count) + " agents" : " | on the coordinator")
                      << "\n";
        }
        if (!s.on_agents[i]) {
            parts.local_workloads.push_back(runtime::Workload{
                spec, lua::MakeLuaRunnerFactory(s.configs[i]),
                metrics::MakeStatKey(metrics::StatKind::kScenario, s.chosen[i].name)});
            parts.local_workloads.back().client = s.configs[i]->client;  // the scenario's certificate, header limit
        }
    }
    return parts;
}

int TotalVusers(const std::vector<runtime::LoadSpec>& specs) {
    int vusers = 0;
    for (const auto& spec : specs) vusers += spec.vusers;
    return vusers;
}

std::vector<report::AgentResult> AgentResults(const std::vector<coordinator::AgentReport>& reports) {
    std::vector<report::AgentResult> out;
    for (const coordinator::AgentReport& r : reports) {
        report::AgentResult a;
        a.status = {r.id, r.host, coordinator::AgentStateName(r.state), r.capacity, r.share};
        a.total = r.total;
        a.final_received = r.final_received;
        a.planned = r.planned;
        a.sent = r.sent;
        a.dropped = r.dropped;
        a.lost = r.lost;
        a.unreported_estimate = r.unreported_estimate;
        a.last_seen_ns = r.last_seen_ns;
        a.unreported_requests = r.unreported_requests;
        a.share_now = r.share_now;
        for (const coordinator::RebalanceEvent& e : r.rebalances) {
            a.rebalances.push_back({e.at_ns, e.agent, e.from, e.to, e.share_before, e.share_after, e.why});
        }
        out.push_back(std::move(a));
    }
    return out;
}

report::ArrivalAccounting Arrivals(const coordinator::ArrivalTotals& a) {
    return report::ArrivalAccounting{a.known, a.planned, a.sent, a.dropped, a.lost, a.unreported_estimate,
                                     a.lost_agents};
}

// Everything a started run needs to print its end.
struct StartedRun {
    const RunFlags& f;
    const DistributedScript& script;
    RunOutputs& outputs;
    const ThresholdWatch* watch = nullptr;
    LoadParts parts;
    std::int64_t start_at = 0;
    bool any_agent_scenario = false;
    std::vector<std::string> not_replayable_metrics = {};  // the plan's, for the summary and the thresholds
};

// Collect: the coordinator's own load, the agents' results, on_stop and teardown; then the summary.
int FinishDistributed(StartedRun& r, coordinator::DistributedRun& run, CoordinatorLoad& local,
                      DistributedLiveView& live, Finisher& finisher, const coordinator::DriveOutcome& drive) {
    local.RequestStop(true);
    local.Join();
    live.Add(run.TakeInterval());
    live.AddRegions(run.TakeRegionIntervals());
    live.Add(local.Take());
    if (!local.error().empty()) Log("coordinator scenarios failed: " + local.error());
    coordinator::AgentsResult agents = run.Collect(drive);
    metrics::Snapshot total = std::move(agents.total);
    if (local.Active()) {
        total += local.result().total;
        for (const auto& e : local.result().finish_errors) Log("on_stop: " + e);
    }
    live.Finish(total);
    finisher.Finish();
    total += finisher.LifecycleMetrics();

    const std::int64_t load_ns = std::clamp<std::int64_t>(drive.ended_ns - r.start_at, 0, r.parts.run_ns);
    const std::string infrastructure =
        agents.broker_lost.empty() ? "" : "broker lost: " + agents.broker_lost + ": results are incomplete";
    RunEnd end{total, load_ns, drive.interrupted, std::move(r.parts.infos), AgentResults(agents.reports),
               r.f.allow_script_errors, "", infrastructure, std::move(agents.notes), Arrivals(agents.arrivals)};
    end.not_replayable_metrics = std::move(r.not_replayable_metrics);
    end.regions = coordinator::TotalsByRegion(agents.reports);
    return FinishRun(std::cout, r.script.thresholds, r.watch, r.outputs, std::move(end),
                     [&](std::ostream& out) {
                         if (r.any_agent_scenario) coordinator::PrintAgentTable(out, agents.reports, load_ns);
                     });
}

// Assign and Drive: the agents start, the coordinator scenarios start with them, the live view runs until the end.
int RunLoad(StartedRun& r, coordinator::DistributedRun& run, coordinator::PlanAssembly& plan, Finisher& finisher) {
    // abort_on_fail: the watch runs on this thread (from the Drive phase's polls) and only raises a flag.
    bool abort_requested = false;
    std::unique_ptr<ThresholdWatch> watch_owner =
        r.script.thresholds.MakeWatch([&abort_requested] { abort_requested = true; });
    r.watch = watch_owner.get();
    if (watch_owner) r.outputs.Add(std::move(watch_owner));
    r.start_at = run.Assign(plan);
    if (!r.f.outputs.quiet && !plan.Empty()) Log(plan.Size().Line());
    r.any_agent_scenario = !plan.Empty();
    r.not_replayable_metrics = plan.NotReplayableMetrics();
    report::RunDescription description = DescribeRun(r.f, r.script.target, r.parts.infos, r.script.specs,
                                                     r.parts.run_ns);
    description.thresholds = r.script.thresholds.Expressions();
    r.outputs.Begin(std::move(description), r.script.specs);
    RunSignals::SetLoadRunning(true);
    CoordinatorLoad local;
    if (!r.parts.local_workloads.empty()) {
        local.Start(std::move(r.parts.local_workloads), r.script.client, r.start_at);
    }
    DistributedLiveView live(r.outputs, run, r.start_at, r.parts.run_ns, TotalVusers(r.script.specs));
    coordinator::DriveTiming timing;
    timing.start_at_ns = r.start_at;
    timing.run_ns = r.parts.run_ns;
    timing.grace_ns = std::min<std::int64_t>(r.script.client.request_timeout_ns, 5 * kNsPerSec);
    coordinator::DriveHooks hooks;
    hooks.abort_requested = [&abort_requested] { return abort_requested; };
    hooks.abort_reason = [&r] { return r.watch->Reason(); };
    hooks.on_poll = [&live, &run](std::int64_t now, const metrics::Snapshot& agents, const metrics::Snapshot& own) {
        live.AddRegions(run.TakeRegionIntervals());
        live.Poll(now, agents, own);
    };
    const coordinator::DriveOutcome drive = run.Drive(local, timing, hooks);
    RunSignals::SetLoadRunning(false);
    return FinishDistributed(r, run, local, live, finisher, drive);
}

}  // namespace

void AddDistributedFlags(CLI::App* cmd, DistributedFlags* d) {
    cmd->add_option("--agents", d->agents, "Distributed: start N local lsengine-agent processes and a NATS broker");
    cmd->add_option("--external-agents", d->external_agents,
                    "Distributed: wait for N lsengine-agent processes (embedded broker on :4222, or --nats-url)");
    cmd->add_option("--cluster-id", d->cluster_id, "Distributed: cluster id (default: 'default'; random for --agents)");
    cmd->add_option("--agent-group", d->agent_group, "Distributed: only use agents of this group");
    cmd->add_option("--region-weights", d->region_weights,
                    "Distributed: split the load by agent region first (lsengine-agent --region), then by capacity "
                    "within a region, e.g. us=60,eu=30,asia=10");
    cmd->add_option("--agent-wait", d->agent_wait, "Distributed: how long to wait for the agents")
        ->capture_default_str();
    cmd->add_option("--rebalance", d->rebalance,
                    "Distributed: on = move arrivals away from agents whose load generator is saturated (and back "
                    "when it recovers); off = keep the capacity shares")
        ->capture_default_str();
    cmd->add_option("--coordinator-scenarios", d->coordinator_scenarios,
                    "Distributed: scenarios run (scripted) on the coordinator itself");
    cmd->add_option("--agent-scenarios", d->agent_scenarios, "Distributed: scenarios sharded to the agents");
    cmd->add_option("--nats-url", d->nats_url, "Distributed: use this NATS server instead of an embedded one");
    // The environment too: `lsengine serve` hands its broker's token to its runs there, never in argv (`ps`).
    cmd->add_option("--nats-token", d->nats_token,
                    "Distributed: NATS token (env LSENGINE_NATS_TOKEN; embedded broker: default random)")
        ->envname("LSENGINE_NATS_TOKEN");
    cmd->add_option("--nats-user", d->nats_user, "Distributed: NATS user");
    cmd->add_option("--nats-password", d->nats_password, "Distributed: NATS password");
    cmd->add_option("--nats-creds", d->nats_creds, "Distributed: NATS credentials file");
    cmd->add_flag("--nats-tls", d->nats_tls, "Distributed: connect to NATS over TLS");
    cmd->add_option("--nats-ca-file", d->nats_ca_file, "Distributed: CA certificates of the NATS server");
    cmd->add_option("--nats-port", d->nats_port, "Distributed: port of the embedded broker for --external-agents")
        ->capture_default_str();
}

int RunDistributed(const RunFlags& f) {
    const coordinator::ResolvedOptions options = coordinator::ResolveOptions(ToOptions(f));
    const DistributedScript script = LoadDistributedScript(f);
    RunSignals signals;
    Finisher finisher(script);
    if (f.dry_run) return DryRunDistributed(f, script, finisher);

    RunOutputs outputs(f.outputs);  // output paths and --prometheus are checked before anything starts
    // Launch first: the broker, the connection and the local agents come up while the plan is captured.
    coordinator::DistributedRun run(options, &RunSignals::Signals(), Log);
    run.Launch();
    RunSetups(script, finisher);
    coordinator::PlanAssembly plan(run.ClusterId(), run.RunId());
    CaptureAgentScenarios(
        script, f.outputs.quiet, finisher, plan, [&run] { run.ThrowIfInterrupted(); },
        [] { return RunSignals::Count() > 0; });
    plan.Seal();
    StartedRun started{f, script, outputs, nullptr, PrepareLoad(script, f.outputs.quiet, run.AgentCount())};
    return RunLoad(started, run, plan, finisher);
}

}  // namespace lse::cli
