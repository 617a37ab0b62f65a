#pragma once
/// @file
/// Turns an Assignment and its plan bytes into the engine workloads an agent runs: one per assigned
/// scenario that hosts at least one virtual user, with the scenario's load shape, the assigned
/// shard and the PlanRunner replaying the hosted virtual users. Everything a coordinator (or anyone
/// able to publish on the broker) sends is checked here before load can start.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lse/protocol/messages.hpp"
#include "lse/runtime/load_run.hpp"

namespace lse::agent {

/// Largest plan an agent accepts: what plan::DecodePlan accepts by default.
inline constexpr std::uint64_t kMaxAgentPlanBytes = std::uint64_t{64} << 20;

struct SetupProblem {
    protocol::RejectReason reason = protocol::RejectReason::kMalformed;
    std::string detail;
};

/// What the Assignment alone can tell: cluster id, addressee, plan size. False with *problem.
bool CheckAssignment(const protocol::Assignment& assignment, std::string_view cluster_id, std::string_view agent_id,
                     SetupProblem* problem);

struct RunSetupOptions {
    int capacity = 1;                     ///< worker threads per workload
    std::int64_t default_timeout_ns = 0;  ///< requests without their own timeout (0: the client's)
    std::int64_t request_timeout_ns = 30'000'000'000;  ///< caps the drain grace, like single-node runs
};

struct PreparedRun {
    std::vector<runtime::Workload> workloads;
    std::vector<std::string> scenarios;  ///< scenario name of each workload (same index)
    int hosted_vusers = 0;               ///< over all workloads

    /// Index of the workload running `scenario`, or -1 (not assigned, or hosting no virtual user).
    int WorkloadIndex(std::string_view scenario) const noexcept;
};

/// Checks the plan bytes against the Assignment's size and checksum, decodes and checks the plan
/// (cluster and run id must match the Assignment), and builds the workloads. False with *problem.
bool PrepareRun(const protocol::Assignment& assignment, std::string_view plan_bytes, const RunSetupOptions& options,
                PreparedRun* out, SetupProblem* problem);

/// Positions (indexes into ScenarioPlan::vusers) of the virtual users `selection` names, given the
/// plan's VU ids in order. kAll gives every position.
std::vector<int> SelectedPositions(const protocol::VuSelection& selection, const std::vector<int>& plan_vu_ids);

}  // namespace lse::agent
