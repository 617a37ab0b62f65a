// The coordinator of a distributed run: see distributed_run.hpp and docs/protocol.md.

#include "distributed_run.hpp"

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "load_curve.hpp"
#include "lse/coordinator/agent_table.hpp"
#include "lse/coordinator/coordinator.hpp"
#include "lse/coordinator/local_agents.hpp"
#include "lse/core/clock.hpp"
#include "lse/core/did_you_mean.hpp"
#include "lse/core/errors.hpp"
#include "lse/core/redact.hpp"
#include "lse/core/units.hpp"
#include "lse/http/url.hpp"
#include "lse/lua/lifecycle.hpp"
#include "lse/lua/plan_capture.hpp"
#include "lse/lua/script_state.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/plan/plan_codec.hpp"
#include "lse/protocol/subjects.hpp"
#include "lse/report/interval_aligner.hpp"
#include "lse/report/progress_line.hpp"
#include "lse/runtime/load_run.hpp"
#include "lse/transport/broker_config.hpp"
#include "lse/transport/embedded_broker.hpp"
#include "run_finish.hpp"
#include "run_thresholds.hpp"

namespace lse::cli {
namespace {

// ---- signals: the first Ctrl-C stops the run gracefully, the second aborts in-flight work; before load starts,
// the first one cancels setup and the second one kills the process (children die with it: PDEATHSIG).
std::atomic<int> g_interrupts{0};
std::atomic<bool> g_load_running{false};

void OnSignal(int sig) {
    const int n = g_interrupts.fetch_add(1) + 1;
    if ((n >= 2 && !g_load_running.load()) || n >= 3) {
        ::signal(sig, SIG_DFL);
        ::raise(sig);
    }
}

class SignalScope {
public:
    SignalScope() {
        g_interrupts = 0;
        struct sigaction sa {};
        sa.sa_handler = OnSignal;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGINT, &sa, &old_int_);
        ::sigaction(SIGTERM, &sa, &old_term_);
    }
    ~SignalScope() {
        ::sigaction(SIGINT, &old_int_, nullptr);
        ::sigaction(SIGTERM, &old_term_, nullptr);
        g_load_running = false;
    }

private:
    struct sigaction old_int_ {};
    struct sigaction old_term_ {};
};

void ThrowIfInterrupted() {
    if (g_interrupts.load() > 0) throw Error(ExitCode::kInterrupted, "interrupted before the load started");
}

std::int64_t Now() { return MonotonicClock().NowNs(); }

/// How long a run may go on without a connection to its broker before it is failed (an external broker that
/// stays down, a restarted embedded one the coordinator cannot reach again). Well below the agents' timeout: while
/// the broker is away nothing can be stopped or rebalanced, and the agents' unacked metrics pile up.
constexpr std::int64_t kBrokerDownBoundNs = 10 * kNsPerSec;
/// An embedded broker that keeps dying is not restarted forever.
constexpr int kMaxBrokerRestarts = 3;

std::string SecondsText(std::int64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.1f s", static_cast<double>(ns) / 1e9);
    return buf;
}

std::string FirstLine(const std::string& text) {
    std::string line = text.substr(0, text.find('\n'));
    while (!line.empty() && (line.back() == ':' || line.back() == ' ')) line.pop_back();
    return line;
}

// ---- which scenario runs where ----

std::vector<std::string> CheckedNames(const std::string& flag, const std::string& list,
                                      const std::vector<lua::ScenarioDef>& chosen) {
    std::vector<std::string> known;
    for (const auto& d : chosen) known.push_back(d.name);
    std::vector<std::string> out = SplitCommas(list);
    for (const auto& n : out) {
        if (std::find(known.begin(), known.end(), n) == known.end()) {
            std::string all;
            for (const auto& k : known) all += (all.empty() ? "" : ", ") + k;
            throw UsageError(flag + ": no scenario '" + n + "' in this run" + DidYouMeanSuffix(n, known) +
                             "; scenarios: " + all);
        }
    }
    return out;
}

/// true = runs on the agents. Default: everything on agents.
std::vector<bool> Placement(const std::vector<lua::ScenarioDef>& chosen, const DistributedFlags& d) {
    const auto on_coord = CheckedNames("--coordinator-scenarios", d.coordinator_scenarios, chosen);
    const auto on_agents = CheckedNames("--agent-scenarios", d.agent_scenarios, chosen);
    std::vector<bool> out;
    for (const auto& s : chosen) {
        const bool c = std::find(on_coord.begin(), on_coord.end(), s.name) != on_coord.end();
        const bool a = std::find(on_agents.begin(), on_agents.end(), s.name) != on_agents.end();
        if (c && a) {
            throw UsageError("scenario '" + s.name + "' is in both --coordinator-scenarios and --agent-scenarios");
        }
        if (a) {
            out.push_back(true);
        } else if (c) {
            out.push_back(false);
        } else if (!on_agents.empty() && on_coord.empty()) {
            out.push_back(false);  // only --agent-scenarios given: the rest runs on the coordinator
        } else if (!on_agents.empty() && !on_coord.empty()) {
            throw UsageError("scenario '" + s.name +
                             "' is in neither --coordinator-scenarios nor --agent-scenarios (name it in one)");
        } else {
            out.push_back(true);
        }
    }
    return out;
}

plan::LoadShape ShapeOf(const runtime::LoadSpec& spec) {
    plan::LoadShape s;
    s.open_model = spec.model == runtime::LoadModel::kOpen;
    if (s.open_model) {
        s.start_rps = spec.profile->start_rps();
        s.stages = spec.profile->stages();
    }
    s.vusers = spec.vusers;
    s.duration_ns = spec.duration_ns;
    s.ramp_up_ns = spec.ramp_up_ns;
    s.think_min_ns = spec.think_min_ns;
    s.think_max_ns = spec.think_max_ns;
    s.max_wait_ns = spec.max_wait_ns;
    return s;
}

std::string RenderTemplate(const plan::Template& t) {
    std::string out;
    for (const auto& s : t.segments) {
        switch (s.kind) {
            case plan::Segment::Kind::kLiteral: out += s.text; break;
            case plan::Segment::Kind::kSeq: out += "{seq}"; break;
            case plan::Segment::Kind::kRandom:
                out += "{random " + std::to_string(s.a) + ".." + std::to_string(s.b) + "}";
                break;
            case plan::Segment::Kind::kUuid: out += "{uuid}"; break;
            case plan::Segment::Kind::kVuser: out += "{vuser}"; break;
            case plan::Segment::Kind::kCount: break;
        }
    }
    return out;
}

void PrintPlannedRequest(std::ostream& out, const plan::PlannedRequest& r) {
    out << "      " << http::MethodName(r.method) << " " << RedactUrl(RenderTemplate(r.url)) << "\n";
    for (const auto& [name, value] : r.headers) {
        const std::string v = RenderTemplate(value);
        out << "        " << name << ": " << (IsSecretHeader(name) ? RedactHeaderValue(v) : v) << "\n";
    }
    const std::string body = RenderTemplate(r.body);
    if (!body.empty()) {
        std::string shown = RedactBody(body);
        if (shown.size() > 300) shown = shown.substr(0, 300) + "... (" + std::to_string(body.size()) + " bytes)";
        out << "        body: " << shown << "\n";
    }
}

void PrintCapture(std::ostream& out, const lua::ScenarioDef& d, const runtime::LoadSpec& spec,
                  const lua::CaptureOutcome& c) {
    out << "scenario '" << d.name << "' (" << d.defined_at << ") on agents\n";
    PrintLoadCurve(out, spec);
    out << "  plan: " << c.vusers_prepared << " of " << spec.vusers << " virtual users captured";
    if (c.vusers_failed > 0) out << " (" << c.vusers_failed << " failed on_start)";
    out << ", " << c.plan.requests.size() << " distinct requests\n";
    if (!c.plan.vusers.empty()) {
        const plan::VuPlan& vu = c.plan.vusers.front();
        out << "  requests of virtual user " << vu.id << ":\n";
        for (size_t t = 0; t < c.plan.tasks.size() && t < vu.task_steps.size(); ++t) {
            out << "    " << c.plan.tasks[t].name << " (weight " << c.plan.tasks[t].weight << "):\n";
            if (vu.task_steps[t].empty()) out << "      (no requests)\n";
            for (const plan::Step& step : vu.task_steps[t]) {
                if (step.pause) {
                    out << "      sleep " << FormatDurationNs(step.pause_ns) << "\n";
                } else if (step.request < c.plan.requests.size()) {
                    PrintPlannedRequest(out, c.plan.requests[step.request]);
                }
            }
        }
    }
    for (const auto& w : c.warnings) out << "  warning: " << w << "\n";
    if (c.problems.empty()) {
        out << "  ok\n\n";
    } else {
        out << "  problems:\n";
        for (const auto& p : c.problems) out << "    - " << p << "\n";
        out << "\n";
    }
}

// The coordinator scenarios' own LoadRun, on a thread, feeding its intervals into the live view.
class LocalLoad {
public:
    void Start(std::vector<runtime::Workload> workloads, http::ClientOptions client, std::int64_t start_at) {
        run_ = std::make_unique<runtime::LoadRun>(std::move(workloads), client);
        thread_ = std::thread([this, start_at] {
            try {
                result_ = run_->Run(
                    [this](const runtime::RunProgress& p) {
                        std::lock_guard lock(mu_);
                        pending_ += p.interval;
                    },
                    runtime::RunOptions{start_at, false});
            } catch (const std::exception& e) {
                std::lock_guard lock(mu_);
                error_ = e.what();
            }
            done_ = true;
        });
    }
    bool Active() const { return run_ != nullptr; }
    bool Done() const { return !run_ || done_.load(); }
    void RequestStop(bool abort) {
        if (run_) run_->RequestStop(abort);
    }
    metrics::Snapshot Take() {
        std::lock_guard lock(mu_);
        metrics::Snapshot out = std::move(pending_);
        pending_ = metrics::Snapshot{};
        return out;
    }
    void Join() {
        if (thread_.joinable()) thread_.join();
    }
    ~LocalLoad() {
        RequestStop(true);
        Join();
    }
    const runtime::RunResult& result() const { return result_; }
    const std::string& error() const { return error_; }

private:
    std::unique_ptr<runtime::LoadRun> run_;
    std::thread thread_;
    std::mutex mu_;
    metrics::Snapshot pending_;
    runtime::RunResult result_;
    std::string error_;
    std::atomic<bool> done_{false};
};

// Runs on_stop (once per captured scenario) and teardown exactly once, whatever path the run takes.
class Finisher {
public:
    Finisher(const std::vector<lua::ScenarioDef>& chosen, const std::vector<std::shared_ptr<lua::LuaRunConfig>>& cfgs)
        : chosen_(chosen), configs_(cfgs) {}
    ~Finisher() { Finish(); }
    void AddCapture(std::unique_ptr<lua::PlanCapture> c) { captures_.push_back(std::move(c)); }
    void SetupDone() { setup_done_ = true; }
    /// on_start and on_stop of the agent scenarios ran here, not on the agents: their requests and checks,
    /// keyed as in a single-node run, so the summary shows the same lifecycle rows and checks. After Finish().
    metrics::Snapshot LifecycleMetrics() const {
        metrics::Snapshot out;
        for (const auto& c : captures_) out += c->LifecycleMetrics();
        return out;
    }
    void Finish() noexcept {
        if (finished_) return;
        finished_ = true;
        for (auto& c : captures_) {
            try {
                for (const auto& e : c->RunOnStop()) std::cerr << "lsengine: on_stop: " << e << "\n";
            } catch (const std::exception& e) {
                std::cerr << "lsengine: on_stop: " << e.what() << "\n";
            }
        }
        if (!setup_done_) return;
        for (size_t i = 0; i < chosen_.size(); ++i) {
            if (!chosen_[i].has_teardown) continue;
            try {
                lua::RunScenarioHook(*configs_[i], "teardown");
            } catch (const std::exception& e) {
                std::cerr << "lsengine: teardown of scenario '" << chosen_[i].name << "' failed: " << e.what()
                          << "\n";
            }
        }
    }

private:
    const std::vector<lua::ScenarioDef>& chosen_;
    const std::vector<std::shared_ptr<lua::LuaRunConfig>>& configs_;
    std::vector<std::unique_ptr<lua::PlanCapture>> captures_;
    bool setup_done_ = false;
    bool finished_ = false;
};

transport::NatsOptions NatsFromFlags(const DistributedFlags& d) {
    transport::NatsOptions o;
    o.urls.push_back(d.nats_url);
    o.token = d.nats_token;
    o.user = d.nats_user;
    o.password = d.nats_password;
    o.creds_file = d.nats_creds;
    o.tls = d.nats_tls || !d.nats_ca_file.empty();
    o.ca_file = d.nats_ca_file;
    return o;
}

}  // namespace

void AddDistributedFlags(CLI::App* cmd, DistributedFlags* d) {
    cmd->add_option("--agents", d->agents, "Distributed: start N local lsengine-agent processes and a NATS broker");
    cmd->add_option("--external-agents", d->external_agents,
                    "Distributed: wait for N lsengine-agent processes (embedded broker on :4222, or --nats-url)");
    cmd->add_option("--cluster-id", d->cluster_id, "Distributed: cluster id (default: 'default'; random for --agents)");
    cmd->add_option("--agent-group", d->agent_group, "Distributed: only use agents of this group");
    cmd->add_option("--agent-wait", d->agent_wait, "Distributed: how long to wait for the agents")
        ->capture_default_str();
    cmd->add_option("--coordinator-scenarios", d->coordinator_scenarios,
                    "Distributed: scenarios run (scripted) on the coordinator itself");
    cmd->add_option("--agent-scenarios", d->agent_scenarios, "Distributed: scenarios sharded to the agents");
    cmd->add_option("--nats-url", d->nats_url, "Distributed: use this NATS server instead of an embedded one");
    cmd->add_option("--nats-token", d->nats_token, "Distributed: NATS token (embedded broker: default random)");
    cmd->add_option("--nats-user", d->nats_user, "Distributed: NATS user");
    cmd->add_option("--nats-password", d->nats_password, "Distributed: NATS password");
    cmd->add_option("--nats-creds", d->nats_creds, "Distributed: NATS credentials file");
    cmd->add_flag("--nats-tls", d->nats_tls, "Distributed: connect to NATS over TLS");
    cmd->add_option("--nats-ca-file", d->nats_ca_file, "Distributed: CA certificates of the NATS server");
    cmd->add_option("--nats-port", d->nats_port, "Distributed: port of the embedded broker for --external-agents")
        ->capture_default_str();
}

int RunDistributed(const RunFlags& f) {
    const DistributedFlags& d = f.dist;
    if (d.agents > 0 && d.external_agents > 0) throw UsageError("--agents and --external-agents exclude each other");
    if (d.agents < 0 || d.external_agents < 0) throw UsageError("--agents/--external-agents: must be positive");
    const bool local = d.agents > 0;
    if (local && !d.nats_url.empty()) throw UsageError("--nats-url: only with --external-agents");
    const int agent_count = local ? d.agents : d.external_agents;
    const std::string cluster_id =
        !d.cluster_id.empty() ? d.cluster_id : (local ? "local-" + transport::RandomHexToken(12) : "default");
    protocol::ValidateId("--cluster-id", cluster_id);
    protocol::ValidateOptionalId("--agent-group", d.agent_group);
    const std::int64_t agent_wait_ns = ParseDurationNs(d.agent_wait, "--agent-wait");

    // Loaded and validated exactly as a single-node run: same errors, before anything is started.
    const std::vector<lua::ScenarioDef> defs = lua::LoadScenarioDefs(f.file);
    const std::vector<lua::ScenarioDef> chosen = SelectScenarios(defs, f);
    const http::Url target = http::ParseUrl(ResolveTarget(f));
    const http::ClientOptions client = ToClientOptions(f.client);
    const std::vector<runtime::LoadSpec> specs = BuildSpecs(chosen, f);
    const RunThresholds thresholds = RunThresholds::Parse(chosen, f.thresholds, f.abort_thresholds);
    const std::vector<bool> on_agents = Placement(chosen, d);

    const std::vector<std::shared_ptr<lua::LuaRunConfig>> configs =
        MakeLuaRunConfigs(chosen, specs, f, target, client.request_timeout_ns);

    SignalScope signals;
    Finisher finisher(chosen, configs);

    if (f.dry_run) {
        bool problems = false;
        for (size_t i = 0; i < chosen.size(); ++i) {
            if (!on_agents[i]) {
                std::cout << "scenario '" << chosen[i].name << "' (" << chosen[i].defined_at
                          << ") on the coordinator\n";
                const lua::DryRunResult r = lua::DryRunScenario(*configs[i], specs[i].vusers);
                for (const auto& req : r.requests) {
                    if (req.vu <= 1) PrintCapturedRequest(std::cout, req);
                }
                for (const auto& p : r.problems) std::cout << "    - " << p << "\n";
                problems = problems || !r.problems.empty();
                std::cout << (r.problems.empty() ? "  ok\n\n" : "\n");
                continue;
            }
            if (chosen[i].has_setup) lua::RunScenarioHook(*configs[i], "setup");
            auto capture = std::make_unique<lua::PlanCapture>(configs[i]);
            const lua::CaptureOutcome c = capture->Capture(specs[i].vusers, ShapeOf(specs[i]));
            finisher.AddCapture(std::move(capture));
            PrintCapture(std::cout, chosen[i], specs[i], c);
            problems = problems || !c.problems.empty();
        }
        finisher.SetupDone();
        finisher.Finish();
        if (problems) {
            std::cerr << "lsengine: dry run of " << f.file << " found problems (see above)\n";
            return static_cast<int>(ExitCode::kScript);
        }
        std::cout << "dry run ok: " << f.file << "\n";
        return static_cast<int>(ExitCode::kOk);
    }

    RunOutputs outputs(f.outputs);  // output paths and --prometheus are checked before anything starts
    auto log = [](const std::string& line) {
        std::cerr << "lsengine: " << line << "\n";
    };

    // Broker, coordinator connection and local agents first: they come up while the plan is captured.
    transport::EmbeddedBroker broker;
    transport::NatsOptions nats;
    if (local || d.nats_url.empty()) {
        transport::BrokerOptions bo;
        bo.host = local ? "127.0.0.1" : "0.0.0.0";
        bo.port = local ? 0 : d.nats_port;
        bo.token = d.nats_token;
        broker.Start(bo);
        nats.urls.push_back(broker.ClientUrl());
        nats.token = broker.Token();
        if (!local) {
            // A generated token is printed once: the user has no other way to learn it. A token the user chose
            // is a secret they already hold; it is never echoed into a log.
            const std::string shown_token = d.nats_token.empty() ? broker.Token() : "<your --nats-token>";
            log("NATS broker listening on port " + std::to_string(broker.Port()) + "; start agents with: " +
                "lsengine-agent --coordinator <this-host>:" + std::to_string(broker.Port()) + " --nats-token " +
                shown_token + " --cluster-id " + cluster_id);
        }
    } else {
        nats = NatsFromFlags(d);
    }
    nats.name = "lsengine coordinator";
    nats.ping_interval_ns = 5 * kNsPerSec;  // keepalive: long runs are not cut by idle timeouts

    coordinator::CoordinatorOptions co;
    co.nats = nats;
    co.cluster_id = cluster_id;
    co.run_id = "run-" + transport::RandomHexToken(12);
    co.group = d.agent_group;
    co.agents = agent_count;
    co.log = log;
    coordinator::Coordinator coord(co);
    coord.Connect();

    coordinator::LocalAgents agents;
    if (local) {
        coordinator::LocalAgentOptions lo;
        const char* override_bin = std::getenv("LSENGINE_AGENT_BINARY");
        lo.binary = override_bin != nullptr && *override_bin != '\0' ? override_bin : coordinator::AgentBinaryBeside();
        lo.nats_url = broker.ClientUrl();
        lo.token = broker.Token();
        lo.cluster_id = cluster_id;
        lo.count = agent_count;
        lo.capacity = f.threads;
        lo.extra_args = {"--timeout", f.client.timeout, "--connect-timeout", f.client.connect_timeout};
        if (f.client.insecure) lo.extra_args.push_back("--insecure");
        agents.Start(lo);
    }
    // The broker under the run, polled with everything else: an embedded nats-server that dies is restarted at
    // once (same port and token: the coordinator and the agents reconnect, and the agents resend their unacked
    // metrics); one that cannot be restarted, or a connection that stays down beyond kBrokerDownBoundNs, loses
    // the run (exit 9, totals marked incomplete). `since` is the instant times are told from (the load's start).
    std::string broker_lost;           // why the run cannot complete; empty while the broker is fine
    std::vector<std::string> broker_restarts;  // "died at 8.0 s (was killed by signal 9)"
    std::int64_t since = Now();
    auto check_broker = [&](std::int64_t now) {
        if (!broker_lost.empty()) return;
        const std::string at = "at " + SecondsText(now - since);
        {
            const std::string how = broker.Exited();  // empty for an external broker
            if (!how.empty()) {
                const std::string what = "the NATS broker " + how + " " + at;
                if (static_cast<int>(broker_restarts.size()) >= kMaxBrokerRestarts) {
                    broker_lost = what + " after " + std::to_string(kMaxBrokerRestarts) + " restarts";
                    return;
                }
                log(what + ": restarting it on port " + std::to_string(broker.Port()));
                try {
                    broker.Restart();
                } catch (const std::exception& e) {
                    broker_lost = what + " and could not be restarted (" + FirstLine(e.what()) + ")";
                    return;
                }
                broker_restarts.push_back(how + " " + at);
                log("NATS broker restarted (pid " + std::to_string(broker.Pid()) +
                    "): the agents reconnect and resend what they could not deliver");
                return;
            }
        }
        const std::int64_t down = coord.DisconnectedSinceNs();
        if (coord.ConnectionClosed()) {
            broker_lost = "the connection to the NATS broker closed for good " + at;
        } else if (down != 0 && now - down >= kBrokerDownBoundNs) {
            broker_lost = "the NATS broker was unreachable for " + SecondsText(now - down) + " " + at;
        }
    };
    auto check = [&] {
        ThrowIfInterrupted();
        check_broker(Now());
        if (!broker_lost.empty()) {
            throw Error(ExitCode::kInfrastructure, broker_lost + " (before the load started): the run was not started");
        }
        if (!local) return;
        const auto exited = agents.Exited();
        if (!exited.empty()) {
            const int index = std::stoi(exited.front().substr(6));
            throw SetupError("local agent " + exited.front() + " exited early:\n" + agents.LogTail(index));
        }
    };

    // setup() once, then the plan of every agent scenario.
    for (size_t i = 0; i < chosen.size(); ++i) {
        if (chosen[i].has_setup) lua::RunScenarioHook(*configs[i], "setup");
    }
    finisher.SetupDone();
    plan::Plan the_plan;
    the_plan.cluster_id = cluster_id;
    the_plan.run_id = co.run_id;
    std::vector<coordinator::AgentScenario> agent_scenarios;
    std::vector<std::string> problems;
    for (size_t i = 0; i < chosen.size(); ++i) {
        if (!on_agents[i]) continue;
        ThrowIfInterrupted();
        auto capture = std::make_unique<lua::PlanCapture>(configs[i]);
        lua::CaptureOutcome c =
            capture->Capture(specs[i].vusers, ShapeOf(specs[i]), [] { return g_interrupts.load() > 0; });
        finisher.AddCapture(std::move(capture));
        ThrowIfInterrupted();  // nothing is sent to the agents; on_stop runs for the users that got ready
        for (const auto& w : c.warnings) {
            if (!f.outputs.quiet) std::cerr << "lsengine: scenario '" << chosen[i].name << "': warning: " << w << "\n";
        }
        for (const auto& p : c.problems) problems.push_back("scenario '" + chosen[i].name + "': " + p);
        if (c.problems.empty() && c.vusers_prepared == 0) {
            problems.push_back("scenario '" + chosen[i].name + "': on_start failed for every virtual user");
        }
        c.plan.name = chosen[i].name;
        coordinator::AgentScenario as;
        as.name = chosen[i].name;
        as.open_model = specs[i].model == runtime::LoadModel::kOpen;
        if (as.open_model) as.profile = specs[i].profile;  // loss accounting replays the agents' shares on it
        for (const auto& vu : c.plan.vusers) as.vu_ids.push_back(vu.id);
        agent_scenarios.push_back(std::move(as));
        the_plan.scenarios.push_back(std::move(c.plan));
    }
    if (!problems.empty()) {
        std::string all;
        for (const auto& p : problems) all += "\n  - " + p;
        throw ScriptError("the plan for the agents cannot be captured faithfully; the run was not started:" + all);
    }
    const std::string plan_bytes = plan::EncodePlan(the_plan);

    std::vector<report::ScenarioInfo> infos;
    std::vector<runtime::Workload> local_workloads;
    std::int64_t run_ns = 0;
    for (size_t i = 0; i < chosen.size(); ++i) {
        runtime::LoadSpec spec = specs[i];
        spec.grace_ns = std::min<std::int64_t>(client.request_timeout_ns, spec.grace_ns);
        run_ns = std::max(run_ns, spec.RunLengthNs());
        infos.push_back(DescribeScenario(chosen[i].name, spec));
        if (!f.outputs.quiet) {
            std::cerr << "lsengine: scenario '" << chosen[i].name << "' on " << target.origin.HostHeader() << " | ";
            PrintLoadCurveShort(std::cerr, spec);
            std::cerr << (on_agents[i] ? " | on " + std::to_string(agent_count) + " agents" : " | on the coordinator")
                      << "\n";
        }
        if (!on_agents[i]) {
            local_workloads.push_back(runtime::Workload{
                spec, lua::MakeLuaRunnerFactory(configs[i]),
                metrics::MakeStatKey(metrics::StatKind::kScenario, chosen[i].name)});
        }
    }

    const bool any_agent_scenario = !agent_scenarios.empty();
    // abort_on_fail: the watch runs on this thread (from the progress loop below) and only raises a flag.
    bool abort_requested = false;
    std::unique_ptr<ThresholdWatch> watch_owner = thresholds.MakeWatch([&abort_requested] { abort_requested = true; });
    const ThresholdWatch* watch = watch_owner.get();
    if (watch_owner) outputs.Add(std::move(watch_owner));
    int vusers = 0;
    for (const auto& spec : specs) vusers += spec.vusers;
    auto agent_statuses = [&] {
        std::vector<report::AgentStatus> out;
        if (!any_agent_scenario) return out;
        for (const coordinator::AgentReport& r : coord.Reports(false)) {
            out.push_back({r.id, r.host, coordinator::AgentStateName(r.state), r.capacity, r.share});
        }
        return out;
    };
    std::int64_t start_at = 0;
    if (any_agent_scenario) {
        try {
            coord.WaitForAgents(agent_wait_ns, check);
        } catch (const SetupError& e) {
            // Refused agents never reach the coordinator (the broker closes them before they can register), but
            // the embedded broker's log names them: say so instead of a bare "0 registered".
            const std::vector<std::string> refused = broker.RefusedClients();
            if (refused.empty()) throw;
            std::string names;
            for (const std::string& r : refused) names += (names.empty() ? "" : ", ") + r;
            throw SetupError(std::string(e.what()) + "; the broker refused " + names +
                             ": wrong or missing token (check their --nats-token / LSENGINE_NATS_TOKEN)");
        }
        coord.Assign(plan_bytes, agent_scenarios, check);
        ThrowIfInterrupted();
        start_at = coord.Start();
    } else {
        start_at = Now() + kNsPerSec;
    }
    since = start_at;
    report::RunDescription description = DescribeRun(f, target, infos, specs, run_ns);
    description.thresholds = thresholds.Expressions();
    outputs.Begin(std::move(description), specs);
    g_load_running = true;
    LocalLoad local_load;
    if (!local_workloads.empty()) local_load.Start(std::move(local_workloads), client, start_at);

    // Live view: one line per second of the run, printed once that second's data arrived from the agents and
    // the local load (IntervalAligner); stop after the run's end + grace, or on Ctrl-C.
    const std::int64_t grace_ns = std::min<std::int64_t>(client.request_timeout_ns, 5 * kNsPerSec);
    const std::int64_t end_ns = start_at + run_ns + grace_ns + 2 * kNsPerSec;
    const std::int64_t final_wait_ns = 10 * kNsPerSec;
    std::int64_t stop_sent_at = 0;
    int handled_interrupts = 0;
    bool interrupted = false;
    // Agents publish a second ~100 ms after it ends (plus NATS); on 2 busy cores allow more.
    report::IntervalAligner progress(start_at, run_ns, 700 * kNsPerMs);
    auto print_progress = [&](const std::vector<metrics::Snapshot>& seconds) {
        for (const metrics::Snapshot& s : seconds) {
            outputs.Interval(s, std::clamp<std::int64_t>(s.end_ns - start_at, 0, run_ns), vusers, agent_statuses());
        }
    };
    std::int64_t next_poll = start_at;
    for (;;) {
        while (Now() < next_poll && g_interrupts.load() == handled_interrupts) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        const std::int64_t now = Now();
        const int n = g_interrupts.load();
        if (n > handled_interrupts) {
            handled_interrupts = n;
            interrupted = true;
            const bool abort = n >= 2;
            log(abort ? "second interrupt: aborting in-flight requests" : "interrupted: stopping the agents");
            if (any_agent_scenario) coord.Stop(protocol::StopReason::kInterrupted, abort, "interrupted by the user");
            local_load.RequestStop(abort);
            if (stop_sent_at == 0) stop_sent_at = now;
        }
        if (abort_requested && stop_sent_at == 0) {
            log("stopping the run: " + watch->Reason());
            if (any_agent_scenario) coord.Stop(protocol::StopReason::kAborted, false, watch->Reason());
            local_load.RequestStop(false);
            stop_sent_at = now;
        }
        if (any_agent_scenario) check_broker(now);
        if (!broker_lost.empty()) {
            // Nothing more can arrive: stop what still listens (local agents are killed below) and fail the run.
            log(broker_lost + ": results are incomplete");
            coord.Stop(protocol::StopReason::kAborted, true, "the NATS broker was lost");
            local_load.RequestStop(true);
            break;
        }
        if (now >= next_poll) {
            next_poll = now + 100 * kNsPerMs;
            progress.Add(coord.TakeInterval());
            progress.Add(local_load.Take());
            print_progress(progress.TakeReady(now));
        }
        const bool agents_done = !any_agent_scenario || coord.AllDone();
        if (agents_done && local_load.Done()) break;
        if (stop_sent_at == 0 && now >= end_ns) {
            if (any_agent_scenario) coord.Stop(protocol::StopReason::kCompleted, false, "run over");
            local_load.RequestStop(false);
            stop_sent_at = now;
        }
        if (stop_sent_at != 0 && now - stop_sent_at >= final_wait_ns) {
            log("gave up waiting for final totals");
            break;
        }
    }
    g_load_running = false;
    const std::int64_t ended = Now();
    local_load.RequestStop(true);
    local_load.Join();
    progress.Add(coord.TakeInterval());
    progress.Add(local_load.Take());
    if (!local_load.error().empty()) log("coordinator scenarios failed: " + local_load.error());

    runtime::RunResult result;
    std::vector<coordinator::AgentReport> reports;
    if (any_agent_scenario) {
        if (stop_sent_at == 0) coord.Stop(protocol::StopReason::kCompleted, false, "run over");
        reports = coord.Reports();
        result.total = coord.Total();
        const auto missing = coord.MissingFinals();
        if (!missing.empty()) {
            std::string list;
            for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
            log("no final totals from " + list + ": their last known totals are used");
            if (!broker_restarts.empty() && broker_lost.empty()) {
                broker_lost = "the NATS broker " + broker_restarts.front() + " and was restarted, but no final totals " +
                              "came from " + list;
            }
        }
    }
    std::vector<std::string> notes;
    if (!broker_restarts.empty() && broker_lost.empty()) {
        std::string all;
        for (const auto& r : broker_restarts) all += (all.empty() ? "" : "; ") + r;
        notes.push_back("the NATS broker died and was restarted (" + all +
                        "); every agent's final totals arrived, so the totals are complete");
    }
    coord.Close();
    agents.Stop();
    broker.Stop();
    if (local_load.Active()) {
        result.total += local_load.result().total;
        for (const auto& e : local_load.result().finish_errors) log("on_stop: " + e);
    }
    result.interrupted = interrupted;
    // The last second(s) without waiting for their settle time, and the last partial second, which sources
    // send only in their final totals.
    print_progress(progress.Finish(result.total));
    finisher.Finish();
    result.total += finisher.LifecycleMetrics();

    const std::int64_t load_ns = std::clamp<std::int64_t>(ended - start_at, 0, run_ns);
    std::vector<report::AgentResult> agent_results;
    report::ArrivalAccounting arrivals;
    const auto has_profile = [](const coordinator::AgentScenario& s) { return s.profile.has_value(); };
    arrivals.known = std::any_of(agent_scenarios.begin(), agent_scenarios.end(), has_profile);
    for (const coordinator::AgentReport& r : reports) {
        agent_results.push_back({{r.id, r.host, coordinator::AgentStateName(r.state), r.capacity, r.share}, r.total,
                                 r.final_received, r.planned, r.sent, r.dropped, r.lost, r.unreported_estimate,
                                 r.last_seen_ns, r.unreported_requests});
        arrivals.planned += r.planned;
        arrivals.sent += r.sent;
        arrivals.dropped += r.dropped;
        arrivals.lost += r.lost;
        arrivals.unreported_estimate += r.unreported_estimate;
        if (r.lost > 0) arrivals.lost_agents.push_back(r.id);
    }
    return FinishRun(std::cout, thresholds, watch, outputs,
                     RunEnd{result.total, load_ns, result.interrupted, std::move(infos), std::move(agent_results),
                            f.allow_script_errors, "",
                            broker_lost.empty() ? "" : "broker lost: " + broker_lost + ": results are incomplete",
                            std::move(notes), std::move(arrivals)},
                     [&](std::ostream& out) {
                         if (any_agent_scenario) coordinator::PrintAgentTable(out, reports, load_ns);
                     });
}

}  // namespace lse::cli
