#include "lse/coordinator/plan_assembly.hpp"

#include <algorithm>
#include <utility>

#include "lse/core/errors.hpp"
#include "lse/plan/plan_codec.hpp"

namespace lse::coordinator {

PlanAssembly::PlanAssembly(std::string cluster_id, std::string run_id) {
    plan_.cluster_id = std::move(cluster_id);
    plan_.run_id = std::move(run_id);
}

void PlanAssembly::Add(CapturedScenario c) {
    for (const auto& p : c.problems) problems_.push_back("scenario '" + c.name + "': " + p);
    // Without one prepared user an agent would have nothing to run: refuse rather than report an empty run.
    if (c.problems.empty() && c.vusers_prepared == 0) {
        problems_.push_back("scenario '" + c.name + "': on_start failed for every virtual user");
    }
    c.plan.name = c.name;
    AgentScenario as;
    as.name = c.name;
    as.open_model = c.open_model;
    if (as.open_model) as.profile = std::move(c.profile);
    for (const auto& vu : c.plan.vusers) as.vu_ids.push_back(vu.id);
    scenarios_.push_back(std::move(as));
    plan_.scenarios.push_back(std::move(c.plan));
}

void PlanAssembly::Seal() {
    if (!problems_.empty()) {
        std::string all;
        for (const auto& p : problems_) all += "\n  - " + p;
        throw ScriptError("the plan for the agents cannot be captured faithfully; the run was not started:" + all);
    }
    bytes_ = plan::EncodePlan(plan_);
}

bool PlanAssembly::ArrivalsAccounted() const noexcept {
    return std::any_of(scenarios_.begin(), scenarios_.end(),
                       [](const AgentScenario& s) { return s.profile.has_value(); });
}

}  // namespace lse::coordinator
