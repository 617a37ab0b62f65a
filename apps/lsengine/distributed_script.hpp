#pragma once
/// @file
/// The script of a distributed run, loaded and validated exactly as a single-node run's (same errors, before
/// anything is started), plus where each scenario runs (--coordinator-scenarios, --agent-scenarios).

#include <memory>
#include <string>
#include <vector>

#include "lse/http/client.hpp"
#include "lse/http/url.hpp"
#include "lse/lua/lifecycle.hpp"
#include "lse/lua/script_state.hpp"
#include "lse/plan/plan.hpp"
#include "lse/runtime/load_spec.hpp"
#include "run_flags.hpp"
#include "run_thresholds.hpp"

namespace lse::cli {

struct DistributedScript {
    std::vector<lua::ScenarioDef> chosen;
    http::Url target;
    http::ClientOptions client;
    std::vector<runtime::LoadSpec> specs;     ///< per chosen scenario
    RunThresholds thresholds;
    std::vector<bool> on_agents;              ///< per chosen scenario: true = sharded to the agents
    std::vector<std::shared_ptr<lua::LuaRunConfig>> configs;  ///< per chosen scenario
};

/// Throws the typed setup errors of a single-node run, and lse::UsageError for a bad placement.
DistributedScript LoadDistributedScript(const RunFlags& f);

/// true = runs on the agents. Default: everything on the agents; only --agent-scenarios given: the rest runs on
/// the coordinator; both given: every scenario must be named in one of them.
std::vector<bool> Placement(const std::vector<lua::ScenarioDef>& chosen, const DistributedFlags& d);

/// The load shape the agents replay (plan::ScenarioPlan::load).
plan::LoadShape ShapeOf(const runtime::LoadSpec& spec);

}  // namespace lse::cli
