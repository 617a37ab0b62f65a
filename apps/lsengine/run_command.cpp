// `lsengine run FILE.lua`: load a scenario file, check it, and run its scenarios
// together (or --dry-run them), then print the summary and threshold verdicts.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "client_flags.hpp"
#include "config_file.hpp"
#include "tool_habits.hpp"
#include "commands.hpp"
#include "distributed_run.hpp"
#include "load_curve.hpp"
#include "local_run.hpp"
#include "lse/core/clock.hpp"
#include "lse/core/did_you_mean.hpp"
#include "lse/core/errors.hpp"
#include "lse/core/redact.hpp"
#include "lse/core/units.hpp"
#include "lse/http/multipart.hpp"
#include "lse/http/url.hpp"
#include "lse/lua/lifecycle.hpp"
#include "lse/lua/lua_runner.hpp"
#include "lse/lua/script_state.hpp"
#include "lse/lua/shared_store.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/report/progress_line.hpp"
#include "lse/report/text_summary.hpp"
#include "lse/runtime/load_run.hpp"
#include "lse/sched/rate_profile.hpp"
#include "run_flags.hpp"
#include "broken_script_watch.hpp"
#include "run_finish.hpp"
#include "run_thresholds.hpp"

namespace lse::cli {

std::uint64_t PerRunSeed() {
    std::uint64_t x = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count()) ^
                      (static_cast<std::uint64_t>(::getpid()) << 40) ^ std::random_device{}();
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;  // splitmix64 finaliser: nearby clocks give unrelated seeds
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    x ^= x >> 31;
    return x % 4'000'000'000ULL + 1;  // never 0 (0 means "pick one")
}

std::vector<std::string> SplitCommas(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ',')) {
        if (!item.empty()) out.push_back(item);
    }
    return out;
}

// Chooses the scenarios to run: all of them, or those named by --scenario (each must exist).
report::RunDescription DescribeRun(const RunFlags& f, const http::Url& target,
                                   const std::vector<report::ScenarioInfo>& scenarios,
                                   const std::vector<runtime::LoadSpec>& specs, std::int64_t total_ns) {
    report::RunDescription d;
    d.command = "run";
    d.script = f.file;
    d.target = target.origin.ToString();
    d.scenarios = scenarios;
    d.total_ns = total_ns;
    d.started_unix_ms = UnixMillisNow();
    d.distributed = f.dist.Enabled();
    auto add = [&d](std::string key, std::string value) { d.config.emplace_back(std::move(key), std::move(value)); };
    add("file", f.file);
    add("target", d.target);
    for (size_t i = 0; i < scenarios.size() && i < specs.size(); ++i) {
        std::ostringstream curve;
        PrintLoadCurveShort(curve, specs[i]);
        add("scenario " + scenarios[i].name, curve.str());
    }
    add("seed", std::to_string(f.seed));
    add("timeout", f.client.timeout);
    add("connect timeout", f.client.connect_timeout);
    if (f.client.insecure) add("TLS verification", "off (--insecure)");
    for (auto& [key, value] : DescribeClientFlags(f.client)) add(std::move(key), std::move(value));
    for (const auto& t : f.thresholds) add("threshold", t);
    for (const auto& t : f.abort_thresholds) add("threshold (abort on fail)", t);
    if (f.dist.agents > 0) add("agents", std::to_string(f.dist.agents) + " local");
    if (f.dist.external_agents > 0) add("agents", std::to_string(f.dist.external_agents) + " external");
    if (!f.dist.cluster_id.empty()) add("cluster id", f.dist.cluster_id);
    if (!f.dist.agent_group.empty()) add("agent group", f.dist.agent_group);
    if (!f.dist.region_weights.empty()) add("region weights", f.dist.region_weights);
    if (f.script_env) {
        for (const auto& [key, value] : f.script_env->values) {
            add("env " + key, f.script_env->IsSecret(key) ? "***" : value);
        }
    }
    return d;
}

std::vector<lua::ScenarioDef> SelectScenarios(const std::vector<lua::ScenarioDef>& defs, const RunFlags& f) {
    if (f.scenarios.empty()) return defs;
    std::vector<std::string> names;
    for (const auto& d : defs) names.push_back(d.name);
    std::vector<lua::ScenarioDef> chosen;
    for (const std::string& want : SplitCommas(f.scenarios)) {
        auto it = std::find_if(defs.begin(), defs.end(), [&](const auto& d) { return d.name == want; });
        if (it == defs.end()) {
            std::string known;
            for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
            throw UsageError("--scenario: no scenario '" + want + "' in " + f.file + DidYouMeanSuffix(want, names) +
                             "; scenarios: " + known);
        }
        chosen.push_back(*it);
    }
    return chosen;
}

// Scenario options with command-line overrides applied: the flags win over the file.
runtime::LoadSpec BuildSpec(const lua::ScenarioDef& d, const RunFlags& f) {
    runtime::LoadSpec spec;
    spec.seed = f.seed;
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    spec.threads = f.threads > 0 ? f.threads : static_cast<int>(cores);

    // With --iterations and no duration anywhere the count ends the run; an hour only bounds a slow one.
    std::int64_t duration_ns = d.duration_ns.value_or(f.iterations > 0 ? 3600 * kNsPerSec : 30 * kNsPerSec);
    if (!f.duration.empty()) duration_ns = ParseDurationNs(f.duration, "--duration");
    if (duration_ns <= 0) throw UsageError("--duration: must be positive");
    std::int64_t ramp_ns = d.ramp_up_ns.value_or(0);
    if (!f.ramp_up.empty()) ramp_ns = ParseDurationNs(f.ramp_up, "--ramp-up");
    if (ramp_ns > duration_ns) {
        throw UsageError("scenario '" + d.name + "': ramp-up " + FormatDurationNs(ramp_ns) + " is longer than duration " +
                         FormatDurationNs(duration_ns));
    }

    const bool cli_rps = !f.rps.empty();
    if (cli_rps || d.rps || !d.stages.empty()) {
        if (f.iterations > 0) {
            throw UsageError("--iterations: scenario '" + d.name + "' is open-model (rps/stages), where the rate and "
                             "duration set the count; --iterations applies to closed-model scenarios (vusers)");
        }
        spec.model = runtime::LoadModel::kOpen;
        if (cli_rps || d.stages.empty()) {
            const double rps = cli_rps ? ParseCount(f.rps, "--rps") : *d.rps;
            if (!(rps > 0) || rps > sched::kMaxRps) throw UsageError("--rps: must be positive and at most 10M");
            spec.profile = ramp_ns > 0 ? sched::RateProfile::RampThenHold(rps, ramp_ns, duration_ns)
                                       : sched::RateProfile::Constant(rps, duration_ns);
        } else {
            spec.profile = sched::RateProfile(0, d.stages);
        }
        double peak = 0;
        const std::int64_t total = spec.profile->TotalDurationNs();
        for (std::int64_t t = 0; t < total; t += std::max<std::int64_t>(1, total / 200)) {
            peak = std::max(peak, spec.profile->RateAt(t));
        }
        const int automatic = static_cast<int>(std::clamp(std::ceil(peak / 10), 32.0, 1000.0));
        spec.vusers = f.vusers > 0 ? f.vusers : d.vusers.value_or(automatic);
        spec.max_wait_ns = MaxWaitNs(f.max_wait, d.max_wait_ns, f.client);
    } else {
        spec.model = runtime::LoadModel::kClosed;
        spec.vusers = f.vusers > 0 ? f.vusers : d.vusers.value_or(10);
        spec.duration_ns = duration_ns;
        spec.ramp_up_ns = ramp_ns;
        spec.think_min_ns = d.think_min_ns.value_or(0);
        spec.think_max_ns = d.think_max_ns.value_or(spec.think_min_ns);
        spec.iterations = f.iterations;
    }
    return spec;
}

std::vector<runtime::LoadSpec> BuildSpecs(const std::vector<lua::ScenarioDef>& chosen, const RunFlags& f) {
    std::vector<runtime::LoadSpec> specs;
    bool any_open = false;
    for (const auto& d : chosen) {
        specs.push_back(BuildSpec(d, f));
        any_open = any_open || specs.back().model == runtime::LoadModel::kOpen;
    }
    if (f.iterations < 0) throw UsageError("--iterations: must be positive");
    if (!f.max_wait.empty() && !any_open) {
        throw UsageError("--max-wait applies to the open model (--rps or a scenario with rps/stages): in the closed "
                         "model a virtual user starts its next task itself, nothing waits for it");
    }
    return specs;
}

std::string ResolveTarget(const RunFlags& f) {
    if (!f.target.empty()) return f.target;
    if (const char* env = std::getenv("LSENGINE_TARGET"); env != nullptr && *env != '\0') return env;
    throw UsageError("no target: pass --target URL (e.g. --target http://127.0.0.1:8080) or set LSENGINE_TARGET");
}

std::vector<std::shared_ptr<lua::LuaRunConfig>> MakeLuaRunConfigs(const std::vector<lua::ScenarioDef>& chosen,
                                                                  const std::vector<runtime::LoadSpec>& specs,
                                                                  const RunFlags& f, const http::Url& target,
                                                                  std::int64_t request_timeout_ns) {
    auto shared = std::make_shared<lua::SharedStore>();
    std::vector<std::shared_ptr<lua::LuaRunConfig>> configs;
    for (size_t i = 0; i < chosen.size(); ++i) {
        auto cfg = std::make_shared<lua::LuaRunConfig>();
        cfg->script_path = f.file;
        cfg->scenario = chosen[i].name;
        cfg->target = target;
        cfg->shared = shared;
        cfg->seed = f.seed;
        cfg->total_vusers = specs[i].vusers;
        cfg->request_timeout_ns = request_timeout_ns;
        // Every client the run creates (setup, teardown, --dry-run, plan capture, the load) gets the same TLS,
        // timeout and connection options.
        cfg->client = ToClientOptions(f.client);
        // The scenario's own client certificate and header limit win over --cert/--key/--max-header-size.
        const ScenarioClientSettings own{chosen[i].cert, chosen[i].key, chosen[i].max_header_bytes};
        cfg->client = ScenarioClientOptions(cfg->client, own, chosen[i].name, f.file);
        cfg->abort_on_start_failure = chosen[i].abort_on_start_failure;
        cfg->compression = !f.client.no_compression && chosen[i].compression;
        cfg->max_instructions = f.max_instructions >= 0 ? f.max_instructions
                                                        : chosen[i].max_instructions.value_or(lua::kDefaultMaxInstructions);
        cfg->max_redirects = MaxRedirects(f.client, chosen[i].max_redirects);
        cfg->env = f.script_env;
        configs.push_back(cfg);
    }
    return configs;
}

void PrintCapturedRequest(std::ostream& to, const lua::CapturedRequest& r) {
    std::ostringstream out;  // -e/--env-file secrets (issue 15): masked in the whole entry below
    out << "      " << r.method << " " << RedactUrl(r.url);
    if (r.error != ErrorKind::kNone) {
        out << "  -> " << ErrorKindName(r.error) << " error";
    } else {
        out << "  -> " << r.status;
    }
    out << "\n";
    for (const auto& [name, value] : r.headers) {
        out << "        " << name << ": " << (IsSecretHeader(name) ? RedactHeaderValue(value) : value) << "\n";
    }
    if (!r.body.empty()) {
        std::string body = RedactBody(r.body);
        if (body.size() > 300) body = body.substr(0, 300) + "... (" + std::to_string(r.body.size()) + " bytes)";
        out << "        body: " << http::DisplayBody(body) << "\n";  // uploads may be binary
    }
    to << RedactSecretValues(out.str());
}

namespace {

// Outside the load (loading the file, setup(), --dry-run, teardown()) Lua runs on this thread and nothing is there to
// drain: SIGINT or SIGTERM ends the process at once with exit 130, even in the middle of a runaway loop. During the
// load LoadRun handles them (first SIGINT drains); libuv puts the default action back when it stops, so this is
// installed again afterwards.
extern "C" void ExitOnSignal(int /*signum*/) {
    static const char kMessage[] = "\nlsengine: interrupted\n";
    (void)!::write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
    ::_exit(static_cast<int>(ExitCode::kInterrupted));
}

void ExitOnSignals() {
    struct sigaction sa {};
    sa.sa_handler = ExitOnSignal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
}

int DryRun(const std::vector<lua::ScenarioDef>& chosen, const std::vector<runtime::LoadSpec>& specs,
           const std::vector<std::shared_ptr<lua::LuaRunConfig>>& configs, const RunFlags& f) {
    bool problems = false;
    for (size_t i = 0; i < chosen.size(); ++i) {
        const lua::ScenarioDef& d = chosen[i];
        std::cout << "scenario '" << d.name << "' (" << d.defined_at << "), seed " << f.seed << "\n";
        PrintLoadCurve(std::cout, specs[i]);
        std::cout << "  tasks:";
        for (const auto& t : d.tasks) std::cout << " " << t.name << " (weight " << t.weight << ")";
        std::cout << "\n";
        const lua::DryRunResult r = lua::DryRunScenario(*configs[i], specs[i].vusers);
        std::cout << "  on_start: " << r.vusers_prepared << " of " << (r.vusers_prepared + r.vusers_failed)
                  << " virtual users ready\n";
        // Requests grouped by phase, in the order the phases first appear; on_start shows only VU 1.
        std::vector<std::string> phases;
        for (const auto& req : r.requests) {
            if (std::find(phases.begin(), phases.end(), req.phase) == phases.end()) phases.push_back(req.phase);
        }
        for (const std::string& phase : phases) {
            std::cout << "    " << phase << ":\n";
            int shown = 0;
            int hidden = 0;
            for (const auto& req : r.requests) {
                if (req.phase != phase) continue;
                const bool per_vu_phase = phase == "on_start" || phase == "on_stop";
                if (per_vu_phase && req.vu != 1) {
                    ++hidden;
                    continue;
                }
                PrintCapturedRequest(std::cout, req);
                ++shown;
            }
            if (hidden > 0) std::cout << "      (+" << hidden << " more from other virtual users)\n";
            if (shown == 0 && hidden == 0) std::cout << "      (no requests)\n";
        }
        for (const auto& t : d.tasks) {
            const bool sent = std::any_of(r.requests.begin(), r.requests.end(),
                                          [&](const auto& req) { return req.phase == t.name; });
            if (!sent) std::cout << "    " << t.name << ": (sent no requests)\n";
        }
        if (r.problems.empty()) {
            std::cout << "  ok\n\n";
        } else {
            problems = true;
            std::cout << "  problems:\n";
            for (const auto& p : r.problems) std::cout << "    - " << RedactSecretValues(p) << "\n";
            std::cout << "\n";
        }
    }
    if (problems) {
        std::cerr << "lsengine: dry run of " << f.file << " found problems (see above)\n";
        return static_cast<int>(ExitCode::kScript);
    }
    std::cout << "dry run ok: " << f.file << "\n";
    return static_cast<int>(ExitCode::kOk);
}

// One workload per chosen scenario (its Lua runner, the drain capped at the request timeout); fills *infos and
// *vusers, and prints each scenario's load curve unless -q.
std::vector<runtime::Workload> BuildWorkloads(const std::vector<lua::ScenarioDef>& chosen,
                                              const std::vector<runtime::LoadSpec>& specs,
                                              const std::vector<std::shared_ptr<lua::LuaRunConfig>>& configs,
                                              const RunFlags& f, const http::Url& target, std::int64_t timeout_ns,
                                              std::vector<report::ScenarioInfo>* infos, int* vusers) {
    std::vector<runtime::Workload> workloads;
    for (size_t i = 0; i < chosen.size(); ++i) {
        runtime::LoadSpec spec = specs[i];
        spec.grace_ns = std::min<std::int64_t>(timeout_ns, spec.grace_ns);
        infos->push_back(DescribeScenario(chosen[i].name, spec));
        *vusers += spec.vusers;
        workloads.push_back(runtime::Workload{
            spec, lua::MakeLuaRunnerFactory(configs[i]), metrics::MakeStatKey(metrics::StatKind::kScenario,
                                                                              chosen[i].name)});
        workloads.back().client = configs[i]->client;  // the scenario's certificate and header limit
        if (!f.outputs.quiet) {
            std::cerr << "lsengine: scenario '" << chosen[i].name << "' on " << target.origin.HostHeader() << " | ";
            PrintLoadCurveShort(std::cerr, spec);
            std::cerr << "\n";
        }
    }
    if (!f.outputs.quiet) std::cerr << "lsengine: seed " << f.seed << " (--seed " << f.seed << " repeats this run)\n";
    return workloads;
}

// Each scenario's teardown hook once; a failing one is reported and does not stop the others.
void RunTeardowns(const std::vector<lua::ScenarioDef>& chosen,
                  const std::vector<std::shared_ptr<lua::LuaRunConfig>>& configs) {
    for (size_t i = 0; i < chosen.size(); ++i) {
        if (!chosen[i].has_teardown) continue;
        try {
            lua::RunScenarioHook(*configs[i], "teardown");
        } catch (const Error& e) {
            std::cerr << "lsengine: teardown of scenario '" << chosen[i].name
                      << "' failed: " << RedactSecretValues(e.what()) << "\n";
        }
    }
}

int RunFile(const RunFlags& f) {
    if (f.dist.Enabled()) return RunDistributed(f);
    ExitOnSignals();
    const std::vector<lua::ScenarioDef> defs = lua::LoadScenarioDefs(
        f.file, f.max_instructions >= 0 ? f.max_instructions : lua::kDefaultMaxInstructions, f.script_env);
    const std::vector<lua::ScenarioDef> chosen = SelectScenarios(defs, f);
    const http::Url target = http::ParseUrl(ResolveTarget(f));
    const http::ClientOptions client = ToClientOptions(f.client);
    const std::int64_t timeout_ns = client.request_timeout_ns;

    // Everything that can be wrong with the input is checked before any request is sent.
    const std::vector<runtime::LoadSpec> specs = BuildSpecs(chosen, f);
    const RunThresholds thresholds = RunThresholds::Parse(chosen, f.thresholds, f.abort_thresholds);
    const std::vector<std::shared_ptr<lua::LuaRunConfig>> configs =
        MakeLuaRunConfigs(chosen, specs, f, target, timeout_ns);
    if (f.dry_run) return DryRun(chosen, specs, configs, f);
    RunOutputs outputs(f.outputs);  // output paths and --prometheus are checked before any request

    for (size_t i = 0; i < chosen.size(); ++i) {
        // setup()'s return value goes to every later phase of this scenario (lifecycle.hpp).
        if (chosen[i].has_setup) configs[i]->setup_data = lua::RunScenarioHook(*configs[i], "setup");
    }
    std::vector<report::ScenarioInfo> infos;
    int vusers = 0;
    runtime::LoadRun run(BuildWorkloads(chosen, specs, configs, f, target, timeout_ns, &infos, &vusers), client);
    // abort_on_fail: judged on every interval, on this thread (LoadRun::Run calls back here).
    std::unique_ptr<ThresholdWatch> watch_owner = thresholds.MakeWatch([&run] { run.RequestStop(); });
    const ThresholdWatch* watch = watch_owner.get();
    if (watch_owner) outputs.Add(std::move(watch_owner));
    auto broken_owner = std::make_unique<BrokenScriptWatch>(infos, [&run] { run.RequestStop(/*abort=*/true); });
    const BrokenScriptWatch* broken = broken_owner.get();
    outputs.Add(std::move(broken_owner));
    report::RunDescription description = DescribeRun(f, target, infos, specs, run.RunLengthNs());
    description.thresholds = thresholds.Expressions();
    outputs.Begin(std::move(description), specs);
    const runtime::RunResult result = RunFeedingOutputs(run, outputs, vusers);
    if (result.abandoned_workers == 0) {
        ExitOnSignals();  // else LoadRun's handlers stay (signals are only counted)
        RunTeardowns(chosen, configs);
    } else {
        std::cerr << "lsengine: interrupted: " << result.abandoned_workers
                  << " worker thread(s) still running Lua 0.5 s after the cancel (a runaway loop with "
                     "max_instructions = 0?); teardown skipped, exiting without waiting for them\n";
    }
    for (const auto& e : result.finish_errors) {
        std::cerr << "lsengine: on_stop: " << RedactSecretValues(e) << "\n";
    }

    const std::int64_t load_ns =
        result.started_ns > 0 ? std::min(result.ended_ns - result.started_ns, run.RunLengthNs()) : 0;
    const bool interrupted = result.interrupted && !(watch && watch->Stopped()) && !broken->Stopped();
    return ExitNowIfAbandoned(result, FinishRun(std::cout, thresholds, watch, outputs,
                                                RunEnd{result.total, load_ns, interrupted, std::move(infos), {},
                                                       f.allow_script_errors, broken->Reason()}));
}

}  // namespace

CommandFn RegisterRunCommand(CLI::App& app) {
    auto flags = std::make_shared<RunFlags>();
    CLI::App* cmd = app.add_subcommand("run", "Run the scenarios of a Lua file");
    cmd->add_option("FILE", flags->file, "Scenario file (.lua)")->required();
    cmd->add_option("--target", flags->target, "Base URL of the system under test (or LSENGINE_TARGET)");
    cmd->add_option("--scenario", flags->scenarios, "Run only these scenarios (comma-separated names)");
    cmd->add_option("-R,--rps", flags->rps, "Override: arrivals per second (open model)");
    cmd->add_option("-c,--vusers", flags->vusers, "Override: virtual users");
    cmd->add_option("-d,-z,--duration", flags->duration, "Override: run length (e.g. 30s, 2m)");
    cmd->add_option("-i,--iterations", flags->iterations,
                    "Closed model: each scenario ends after N iterations in total (or at its duration, default 1h "
                    "then), like k6's -i");
    cmd->add_option("--ramp-up", flags->ramp_up, "Override: ramp-up time");
    AddMaxWaitFlag(cmd, &flags->max_wait);
    cmd->add_option("-t,--threads", flags->threads, "Worker threads per scenario (default: one per core)");
    cmd->add_option("--seed", flags->seed,
                    "Random seed (task choice, think time, lsengine.random/uuid); default: a new one per run, printed");
    AddClientFlags(cmd, &flags->client);
    AddDistributedFlags(cmd, &flags->dist);
    cmd->add_option("--threshold", flags->thresholds, "Extra pass/fail criterion, e.g. 'p95 < 200ms' (repeatable)");
    cmd->add_option("--threshold-abort", flags->abort_thresholds,
                    "Criterion that stops the run as soon as it fails: 'error_rate < 5%[, delay=10s]' (repeatable)");
    cmd->add_flag("--allow-script-errors", flags->allow_script_errors,
                  "Iterations that fail with a script error do not fail the run by themselves (exit 7)");
    cmd->add_option("--max-instructions", flags->max_instructions,
                    "Lua instructions one iteration (or hook) may run before it fails as a runaway loop; 0 = no "
                    "limit (default: the scenario's max_instructions, else 1e9)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_flag("--dry-run", flags->dry_run,
                  "Validate the file, run on_start, one iteration of each task and on_stop, print what was sent");
    AddOutputFlags(cmd, &flags->outputs);
    cmd->add_option("--config", flags->config,
                    "Defaults for these flags from a TOML file's [run] table (default: lsengine.toml beside FILE)");
    AddScriptEnvFlags(cmd, flags.get());
    auto foreign = std::make_shared<ForeignFlags>(cmd, HabitCommand::kRun);  // last: lsengine's own flags come first
    return [flags, foreign, cmd] {
        foreign->Check();
        if (LooksLikeUrl(flags->file)) {
            throw UsageError("'" + flags->file + "': lsengine run takes a Lua scenario file; for one URL: lsengine url " +
                             flags->file + " (or lsengine " + flags->file + ")");
        }
        const std::string config =
            FindConfigFile(flags->config, std::filesystem::path(flags->file).parent_path().string());
        if (!config.empty()) {
            ApplyConfigFile(LoadConfigFile(config), "run", cmd);
            if (!flags->outputs.quiet) std::cerr << "lsengine: defaults from " << config << "\n";
        }
        if (flags->iterations > 0 && flags->dist.Enabled()) {
            throw UsageError("--iterations is not available with agents yet: use --duration");
        }
        flags->seed = ResolveSeed(flags->seed);
        flags->script_env = BuildScriptEnv(*flags);  // before the file loads: its top level may read lsengine.env
        return RunFile(*flags);
    };
}

}  // namespace lse::cli
