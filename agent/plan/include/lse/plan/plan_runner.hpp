#pragma once
/// @file
/// Replays a ScenarioPlan natively (no Lua) as an IterationRunner: what an agent runs.
///
/// Hosting: the agent hosts the virtual users at `vu_positions` (indexes into
/// ScenarioPlan::vusers; empty = all of them). Worker w of c hosts positions
/// vu_positions[w], vu_positions[w + c], ... — so LoadSpec::vusers must be
/// vu_positions.size() for the worker's share to match (MakePlanLoadSpec does it).
///
/// An iteration: pick a task by weight (smooth weighted round robin, per worker, like the Lua
/// runtime), then run that task's steps for the virtual user in order: requests are sent on the
/// VU's one reusable exchange, pauses wait on a single timer shared by the worker. Statistics are
/// recorded exactly like the Lua runner: an R entry per request name under its task (in totals),
/// with status errors for statuses outside the request's expect ranges; a T entry per task
/// iteration. The iteration fails with its first failure but runs its remaining steps.
/// Open model: arrivals take the longest-idle virtual user (FIFO), so every VU's identity is used.
/// Prepare/Finish do nothing: on_start/on_stop ran on the coordinator.
///
/// Hot path: literal requests were serialised once at setup; templated ones are serialised into
/// the VU's own buffer; neither allocates once buffers have grown.

#include <cstdint>
#include <memory>
#include <vector>

#include "lse/plan/plan.hpp"
#include "lse/runtime/iteration_runner.hpp"
#include "lse/runtime/load_spec.hpp"

namespace lse::plan {

struct PlanRunConfig {
    std::shared_ptr<const ScenarioPlan> scenario;
    std::vector<int> vu_positions;  ///< indexes into scenario->vusers this agent hosts; empty = all
    int agent_index = 0;            ///< for sequence numbers: agent i of n draws i+1, i+1+n, ...
    int agent_count = 1;
    std::uint64_t seed = 1;         ///< task rotation, lsengine.random/uuid
    std::int64_t default_timeout_ns = 0;  ///< requests without their own timeout; 0: the client's
};

/// Checks the plan (CheckScenarioPlan) and compiles its request table once for every worker.
/// Throws lse::UsageError for a plan that cannot be replayed (bad reference, bad header, a
/// placeholder in a URL's host) and for positions out of range.
runtime::RunnerFactory MakePlanRunnerFactory(std::shared_ptr<const PlanRunConfig> config);

/// Positions an agent hosts by the default rule: p with p % agent_count == agent_index.
std::vector<int> AgentVuPositions(std::size_t vusers, int agent_index, int agent_count);

/// The engine LoadSpec for a scenario's load shape when `hosted_vusers` virtual users run here on
/// `threads` threads (threads are capped at the hosted count; at least one).
runtime::LoadSpec MakePlanLoadSpec(const LoadShape& shape, int hosted_vusers, int threads, std::uint64_t seed);

}  // namespace lse::plan
