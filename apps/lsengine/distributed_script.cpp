#include "distributed_script.hpp"

#include <algorithm>

#include "lse/core/did_you_mean.hpp"
#include "client_flags.hpp"
#include "lse/core/errors.hpp"

namespace lse::cli {
namespace {

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

bool Contains(const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

}  // namespace

std::vector<bool> Placement(const std::vector<lua::ScenarioDef>& chosen, const DistributedFlags& d) {
    const auto on_coord = CheckedNames("--coordinator-scenarios", d.coordinator_scenarios, chosen);
    const auto on_agents = CheckedNames("--agent-scenarios", d.agent_scenarios, chosen);
    std::vector<bool> out;
    for (const auto& s : chosen) {
        const bool c = Contains(on_coord, s.name);
        const bool a = Contains(on_agents, s.name);
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

DistributedScript LoadDistributedScript(const RunFlags& f) {
    // The order of the checks is a single-node run's, so the same mistake gives the same first error.
    DistributedScript s;
    const std::vector<lua::ScenarioDef> defs =
        lua::LoadScenarioDefs(f.file, lua::kDefaultMaxInstructions, f.script_env);
    s.chosen = SelectScenarios(defs, f);
    s.target = http::ParseUrl(ResolveTarget(f));
    s.client = ToClientOptions(f.client);
    s.specs = BuildSpecs(s.chosen, f);
    s.thresholds = RunThresholds::Parse(s.chosen, f.thresholds, f.abort_thresholds);
    s.on_agents = Placement(s.chosen, f.dist);
    s.configs = MakeLuaRunConfigs(s.chosen, s.specs, f, s.target, s.client.request_timeout_ns);
    return s;
}

}  // namespace lse::cli
