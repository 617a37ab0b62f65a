#pragma once
/// @file
/// A scenario plan compiled once for replay, in the compact form an agent keeps for the whole run instead of the
/// decoded ScenarioPlan: literal requests as their wire bytes with what requests share (origin, accepted statuses,
/// timeout, stats name) held once, every virtual user's steps in flat tables. A virtual user with two requests of its
/// own (a per-user Authorization header) costs about 1,700 B decoded and 450 B compiled
/// (tests/plan/plan_memory_test.cpp).
///
/// CompileScenario consumes the plan: each request and virtual user is freed as soon as it is compiled, so the
/// decoded and compiled forms never both exist in full. An agent does better: DecodeAndCompilePlan
/// (compiled_plan.hpp) compiles each request and virtual user as the decoder reads it, so the decoded form never
/// exists whole at all. Every PlanRunner factory of the scenario (the main run's, a Rebalance's moved-in virtual
/// users') shares one CompiledScenario.

#include <cstddef>
#include <memory>
#include <vector>

#include "lse/data/feeder.hpp"
#include "lse/plan/plan.hpp"

namespace lse::plan {

struct ReplayTables;  // the compiled requests and steps (private to the module: src/replay_tables.hpp)

struct CompiledScenario {
    /// The plan without its request table and virtual users (name, load shape, tasks, metrics, client
    /// certificate...): what setup and reports read.
    std::shared_ptr<const ScenarioPlan> header;
    std::shared_ptr<const ReplayTables> tables;
    std::size_t vuser_count = 0;  ///< the plan's virtual users; runner positions index them in plan order
};

/// Checks the plan (CheckScenarioPlan), that its data placeholders name feeds of `feeders` (the run's, as
/// PlanRunConfig::feeders) and compiles it, consuming it. Throws lse::UsageError for a plan that cannot be
/// replayed (bad reference, bad header, a placeholder in a URL's host, an unknown data feed or column).
std::shared_ptr<const CompiledScenario> CompileScenario(ScenarioPlan plan,
                                                        const std::vector<std::shared_ptr<data::Feeder>>& feeders);

/// The ids of the compiled scenario's virtual users, in plan order (what runner positions index).
std::vector<int> CompiledVuIds(const CompiledScenario& scenario);

}  // namespace lse::plan
