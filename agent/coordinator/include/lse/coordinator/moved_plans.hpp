#pragma once
/// @file
/// Takeover plans. An agent's plan holds only the virtual users of its Assignment (PlanAssembly::BytesForAgent), so
/// when a Rebalance moves virtual users to an agent that was never sent them (a lost agent's), the coordinator sends
/// their plans first (protocol::VuPlans). They come from the slices the coordinator keeps of every agent (no decoded
/// copy of the whole plan is kept): the owner's slice is decoded once per Rebalance and cut to the moved users.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "lse/plan/plan.hpp"

namespace lse::coordinator {

class MovedPlans {
public:
    /// `slice_of(agent)`: the encoded plan agent `agent` was assigned (its slice); it must outlive this object.
    explicit MovedPlans(std::function<const std::string&(std::size_t agent)> slice_of);

    /// The plans of virtual users `ids[s]` (scenario s, in the plan's scenario order; increasing) as an encoded plan
    /// (plan::EncodePlanSlice of `owner`'s slice; data feeds without rows: agents draw from their own slices). Ids
    /// the owner's slice does not have are left out. Throws lse::Error when the slice does not decode (a bug).
    std::string Build(std::size_t owner, const std::vector<std::vector<std::int64_t>>& ids);

private:
    const plan::Plan& Decoded(std::size_t owner);

    std::function<const std::string&(std::size_t)> slice_of_;
    std::map<std::size_t, plan::Plan> decoded_;  // the owners' slices this Rebalance needed, decoded once
};

}  // namespace lse::coordinator
