#include "lse/coordinator/moved_plans.hpp"

#include <algorithm>
#include <utility>

#include "lse/core/errors.hpp"
#include "lse/plan/plan_codec.hpp"

namespace lse::coordinator {

MovedPlans::MovedPlans(std::function<const std::string&(std::size_t agent)> slice_of)
    : slice_of_(std::move(slice_of)) {}

const plan::Plan& MovedPlans::Decoded(std::size_t owner) {
    auto it = decoded_.find(owner);
    if (it != decoded_.end()) return it->second;
    plan::Plan p;
    std::string error;
    if (!plan::DecodePlan(slice_of_(owner), &p, &error)) {
        throw Error(ExitCode::kInfrastructure, "an agent's plan slice does not decode: " + error);
    }
    // The moved users draw rows from their new agent's own slice of each file: only the columns travel (checks).
    for (plan::DataFeed& f : p.feeds) f.table = f.table.Slice(0, 0);
    return decoded_.emplace(owner, std::move(p)).first->second;
}

std::string MovedPlans::Build(std::size_t owner, const std::vector<std::vector<std::int64_t>>& ids) {
    const plan::Plan& p = Decoded(owner);
    plan::VuPositions keep(p.scenarios.size());
    for (std::size_t s = 0; s < p.scenarios.size() && s < ids.size(); ++s) {
        const std::vector<plan::VuPlan>& vusers = p.scenarios[s].vusers;
        // A slice lists its users in increasing id order (the plan's order, cut): one merge-like pass.
        std::size_t at = 0;
        for (const std::int64_t id : ids[s]) {
            while (at < vusers.size() && vusers[at].id < id) ++at;
            if (at < vusers.size() && vusers[at].id == id) keep[s].push_back(at++);
        }
    }
    return plan::EncodePlanSlice(p, keep);
}

}  // namespace lse::coordinator
