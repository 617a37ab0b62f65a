#pragma once
/// @file
/// The flags of `lsengine run` and the steps the single-node and the distributed paths share: choosing
/// scenarios, turning a scenario (plus overrides) into a LoadSpec, resolving the target, printing a request.

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "client_flags.hpp"
#include "run_outputs.hpp"
#include "lse/lua/lua_runner.hpp"
#include "lse/lua/scenario_def.hpp"
#include "lse/report/run_observer.hpp"
#include "lse/runtime/load_spec.hpp"

namespace lse::cli {

/// Distributed mode (docs/protocol.md): `--agents N` (local) or `--external-agents N`.
struct DistributedFlags {
    int agents = 0;
    int external_agents = 0;
    std::string cluster_id;
    std::string agent_group;
    std::string region_weights;  ///< --region-weights us=60,eu=30: region first, then capacity
    std::string agent_wait = "60s";
    std::string rebalance = "on";  ///< --rebalance on|off
    std::string coordinator_scenarios;
    std::string agent_scenarios;
    std::string nats_url;
    std::string nats_token;
    std::string nats_user;
    std::string nats_password;
    std::string nats_creds;
    bool nats_tls = false;
    std::string nats_ca_file;
    int nats_port = 4222;  ///< embedded broker port for --external-agents

    bool Enabled() const noexcept { return agents > 0 || external_agents > 0; }
};

struct RunFlags {
    std::string file;
    std::string target;
    std::string scenarios;
    std::string rps;
    int vusers = 0;
    std::string duration;
    std::string ramp_up;
    std::string max_wait;  ///< --max-wait (open model)
    int threads = 0;
    std::uint64_t seed = 0;  ///< --seed; 0 (default): ResolveSeed picks a new one for this run
    ClientFlags client;
    bool dry_run = false;
    bool allow_script_errors = false;  ///< --allow-script-errors
    std::int64_t max_instructions = -1;  ///< --max-instructions: instruction budget per run; -1: the scenario's
    OutputFlags outputs;                        ///< --quiet, --summary-json, --out, --report, --prometheus
    std::vector<std::string> thresholds;        ///< --threshold
    std::vector<std::string> abort_thresholds;  ///< --threshold-abort (abort_on_fail)
    DistributedFlags dist;
    std::int64_t iterations = 0;  ///< --iterations / -i: closed-model scenarios end after N iterations each
    std::string config;           ///< --config FILE (else lsengine.toml beside the scenario file)
    std::vector<std::string> env_assignments;  ///< -e KEY=VALUE (repeatable): lsengine.env.KEY, os.getenv
    std::vector<std::string> env_files;        ///< --env-file FILE (repeatable; -e wins over a file)
    std::vector<std::string> redact_keys;      ///< --redact KEY: KEY's value is a secret whatever its name
    std::shared_ptr<const lua::ScriptEnv> script_env;  ///< built from the three above (BuildScriptEnv)
};

std::vector<std::string> SplitCommas(const std::string& s);

/// A seed for a run without --seed, different on every run (clock, process id, random_device) and small enough to
/// type: the run prints it, and --seed N repeats that run's random choices (task order, think time,
/// lsengine.random/uuid).
std::uint64_t PerRunSeed();
inline std::uint64_t ResolveSeed(std::uint64_t given) { return given != 0 ? given : PerRunSeed(); }

/// All scenarios, or those named by --scenario (each must exist: UsageError otherwise).
std::vector<lua::ScenarioDef> SelectScenarios(const std::vector<lua::ScenarioDef>& defs, const RunFlags& f);

/// Scenario options with command-line overrides applied: the flags win over the file.
runtime::LoadSpec BuildSpec(const lua::ScenarioDef& d, const RunFlags& f);
/// BuildSpec for every chosen scenario; also rejects --max-wait when none of them is open-model.
std::vector<runtime::LoadSpec> BuildSpecs(const std::vector<lua::ScenarioDef>& chosen, const RunFlags& f);

/// --target, else LSENGINE_TARGET; UsageError when neither.
std::string ResolveTarget(const RunFlags& f);

/// One Lua runner configuration per chosen scenario, all sharing one run-wide `shared` store.
std::vector<std::shared_ptr<lua::LuaRunConfig>> MakeLuaRunConfigs(const std::vector<lua::ScenarioDef>& chosen,
                                                                  const std::vector<runtime::LoadSpec>& specs,
                                                                  const RunFlags& f, const http::Url& target,
                                                                  std::int64_t request_timeout_ns);

/// The run as the outputs describe it (report header, configuration table, ndjson "start" line).
report::RunDescription DescribeRun(const RunFlags& f, const http::Url& target,
                                   const std::vector<report::ScenarioInfo>& scenarios,
                                   const std::vector<runtime::LoadSpec>& specs, std::int64_t total_ns);

/// The script's environment from --env-file (in order) then -e (in order; later wins), --redact keys attached.
/// Registers the secret values for redaction in every output and warns (stderr) about secret values too short
/// to be masked. Throws lse::UsageError naming the flag (and FILE:LINE).
std::shared_ptr<const lua::ScriptEnv> BuildScriptEnv(const RunFlags& f);

/// -e, --env-file and --redact on `run`.
void AddScriptEnvFlags(CLI::App* cmd, RunFlags* f);

/// A request as --dry-run shows it (secrets redacted).
void PrintCapturedRequest(std::ostream& out, const lua::CapturedRequest& r);

}  // namespace lse::cli
