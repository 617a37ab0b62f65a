#pragma once
/// @file
/// Turns an Assignment and its plan bytes into the engine workloads an agent runs: one per assigned
/// scenario that hosts at least one virtual user, with the scenario's load shape, the assigned
/// shard and the PlanRunner replaying the hosted virtual users. Everything a coordinator (or anyone
/// able to publish on the broker) sends is checked here before load can start.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lse/plan/compiled_scenario.hpp"
#include "lse/plan/plan.hpp"
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
    /// The agent's client options (--cert, --max-header-size, ...): the base of a scenario that has its own client
    /// certificate or header limit in the plan (format 6); other scenarios use the LoadThread's, the same.
    http::ClientOptions client{};
};

/// One assigned scenario, compiled, kept for the whole run: a Rebalance may later move virtual users of it here.
/// Those the plan has (a whole plan) are built from the same compiled plan; a plan slice has only the Assignment's
/// users, so the plans of moved-in users arrive in VuPlans messages and are gathered, decoded, in `moved`
/// (AddMovedVuPlans).
struct ScenarioSource {
    std::string name;
    std::shared_ptr<const plan::ScenarioPlan> plan;  ///< compiled->header: the plan without requests and vusers
    std::vector<int> plan_vu_ids;      ///< ids of the plan's virtual users, in plan order
    protocol::VuSelection initial;     ///< the Assignment's selection (what the main run hosts)
    /// The plan's requests and virtual users in the replay's compact form, shared by every workload of the scenario
    /// (the decoded form is not kept: it costs about four times as much per virtual user).
    std::shared_ptr<const plan::CompiledScenario> compiled{};
    /// Moved-in users' plans (VuPlans), one scenario with this one's tasks and metrics; null: none yet. Replaced
    /// (never changed) when more arrive: a supplementary run may still use the previous one.
    std::shared_ptr<const plan::ScenarioPlan> moved;
    std::vector<int> moved_vu_ids;     ///< ids of moved->vusers, in its order
    std::vector<int> known_ids;        ///< plan_vu_ids and moved_vu_ids, sorted: users this agent has a plan for

    bool HasPlanFor(std::int64_t id) const noexcept;
};

struct PreparedRun {
    std::vector<runtime::Workload> workloads;
    std::vector<std::string> scenarios;  ///< scenario name of each workload (same index)
    int hosted_vusers = 0;               ///< over all workloads
    std::vector<ScenarioSource> sources;  ///< every assigned scenario, hosting or not
    RunSetupOptions options;
    int agent_index = 0;
    int agent_count = 1;
    std::string agent_id;  ///< the Assignment's addressee: the generator id of every workload's health
    std::uint64_t seed = 1;
    /// The plan's data feeds (this agent's slices), shared by every workload, also a Rebalance's extra ones.
    std::vector<std::shared_ptr<data::Feeder>> feeders;

    /// Index of the workload running `scenario`, or -1 (not assigned, or hosting no virtual user).
    int WorkloadIndex(std::string_view scenario) const noexcept;
};

/// Checks the plan bytes against the Assignment's size and checksum, decodes and checks the plan
/// (cluster and run id must match the Assignment), and builds the workloads. False with *problem.
bool PrepareRun(const protocol::Assignment& assignment, std::string_view plan_bytes, const RunSetupOptions& options,
                PreparedRun* out, SetupProblem* problem);

/// Adds the moved-in users' plans of `plans` (a decoded VuPlans plan) to the sources of `run`: users it already
/// has a plan for are skipped. False with *error (nothing added) when a scenario is not assigned here or does not
/// match the assigned one (tasks, metrics).
bool AddMovedVuPlans(PreparedRun* run, const plan::Plan& plans, std::string* error);

/// How many virtual users `shares` select (by id list: what a Rebalance carries) that this agent has no plan for;
/// a Rebalance is taken only once this is 0 (docs/protocol.md "Plan slices").
std::size_t MissingVuPlans(const PreparedRun& prepared, const std::vector<protocol::ScenarioShare>& shares);

/// Virtual users of one scenario that a Rebalance gives this agent beyond its Assignment's (moved from a lost agent).
struct ExtraVusers {
    std::string scenario;
    std::vector<std::int64_t> ids;  ///< increasing
    bool operator==(const ExtraVusers&) const = default;
};

/// For each scenario of `prepared` of the given model (open_model), the ids `shares` select minus the initial
/// selection (only scenarios with at least one such id, in `prepared.sources` order). Ids without a plan here (in
/// neither the plan nor the moved-in plans) are ignored.
std::vector<ExtraVusers> ExtraVusersFor(const PreparedRun& prepared,
                                        const std::vector<protocol::ScenarioShare>& shares, bool open_model);

/// Closed model: workloads that run `extra` in a supplementary LoadRun starting at from_ns, each ending when its
/// scenario's main run ends (main_start_ns + the scenario's duration): no ramp-up, the scenario's think time, the
/// agent's capacity in threads (capped at the hosted count). Scenarios with less than `min_ns` left are skipped.
/// `epoch` varies the random seed so the supplementary run does not replay the main run's streams. Throws
/// lse::Error when a scenario cannot be replayed (it could at PrepareRun, so only for a plan changed underneath).
/// Open-model entries of `extra` are skipped (MakeOpenExtraWorkloads).
std::vector<runtime::Workload> MakeExtraWorkloads(const PreparedRun& prepared, const std::vector<ExtraVusers>& extra,
                                                  std::int64_t main_start_ns, std::int64_t from_ns,
                                                  std::uint32_t epoch, std::int64_t min_ns);

/// Open model: one workload per entry of `extra` (same order) hosting those virtual users, with the scenario's
/// whole load shape, to be started at the main run's start so its arrival schedule lines up with the main run's;
/// it owns no arrival until the caller gives it its slice (LoadThread::ReshardSupplementary). Seed varied by epoch
/// as in MakeExtraWorkloads. Throws lse::Error like it; closed-model entries are an lse::Error here.
std::vector<runtime::Workload> MakeOpenExtraWorkloads(const PreparedRun& prepared,
                                                      const std::vector<ExtraVusers>& extra, std::uint32_t epoch);

/// How many virtual users of `scenario` the main run hosts (its Assignment selection); 0 when not assigned.
int InitialVusers(const PreparedRun& prepared, std::string_view scenario);

/// Splits an agent's open-model slice between the virtual users it had (`own`) and those moved in (`moved`), in
/// proportion, so every identity is used as often wherever it runs: {main run's part, moved-in part}, adjacent,
/// tiling `segment` exactly. moved == 0 gives {segment, empty}.
std::pair<sched::ShardSegment, sched::ShardSegment> SplitForMovedIn(sched::ShardSegment segment, std::int64_t own,
                                                                    std::int64_t moved);

/// Positions (indexes into ScenarioPlan::vusers) of the virtual users `selection` names, given the
/// plan's VU ids in order. kAll gives every position.
std::vector<int> SelectedPositions(const protocol::VuSelection& selection, const std::vector<int>& plan_vu_ids);

}  // namespace lse::agent
