#pragma once
// Shared by the unit tests of moved virtual users (closed_move_test.cpp, open_move_test.cpp): virtual users whose
// task only pauses, so their runs need no network, and the run agent "a1" of two prepares from a plan of them.

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lse/plan/plan.hpp"
#include "lse/plan/plan_codec.hpp"
#include "lse/protocol/plan_chunks.hpp"
#include "run_setup.hpp"

namespace lse::agent::pausing_plans {

/// Virtual users 1..vusers in `s`, whose one task `task` is a single pause of pause_ns.
inline void AddPausingVusers(plan::ScenarioPlan* s, const std::string& task, int vusers, std::int64_t pause_ns) {
    s->load.vusers = vusers;
    s->tasks = {{task, 1}};
    for (int id = 1; id <= vusers; ++id) {
        plan::VuPlan vu;
        vu.id = id;
        vu.task_steps = {{plan::Step{true, 0, pause_ns, {}}}};
        s->vusers.push_back(vu);
    }
}

/// A selection of the virtual users `ids`, as an Assignment or a Rebalance lists them.
inline protocol::VuSelection List(std::vector<std::int64_t> ids) {
    protocol::VuSelection s;
    s.kind = protocol::VuSelection::Kind::kList;
    s.ids = std::move(ids);
    return s;
}

/// What agent "a1" of two prepares when assigned `shares` of `p` (a test failure when PrepareRun refuses).
inline PreparedRun PrepareAsOneOfTwo(const plan::Plan& p, std::vector<protocol::ScenarioShare> shares,
                                     const RunSetupOptions& options) {
    const std::string bytes = plan::EncodePlan(p);
    protocol::Assignment a;
    a.cluster_id = p.cluster_id;
    a.run_id = p.run_id;
    a.agent_id = "a1";
    a.agent_count = 2;
    a.scenarios = std::move(shares);
    a.plan_size = bytes.size();
    a.plan_checksum = protocol::Fnv1a64(bytes);
    PreparedRun run;
    SetupProblem problem;
    EXPECT_TRUE(PrepareRun(a, bytes, options, &run, &problem)) << problem.detail;
    return run;
}

}  // namespace lse::agent::pausing_plans
