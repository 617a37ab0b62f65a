#pragma once
/// @file
/// The Capture phase's result: one plan for the agents, built from each agent scenario's captured plan. Capturing
/// runs the script (Lua), so the caller captures and hands each scenario's outcome here; this type gathers the
/// problems that make a faithful replay impossible (the run is then refused, exit 4, naming them), names the
/// scenarios, lists what the coordinator needs to assign shares, and encodes the plan once.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lse/coordinator/shares.hpp"
#include "lse/plan/plan.hpp"
#include "lse/protocol/messages.hpp"
#include "lse/sched/rate_profile.hpp"

namespace lse::coordinator {

/// One agent scenario as the capture left it.
struct CapturedScenario {
    std::string name;
    plan::ScenarioPlan plan;
    std::vector<std::string> problems;  ///< why it cannot be replayed faithfully; empty = fine
    int vusers_prepared = 0;            ///< virtual users whose on_start succeeded
    bool open_model = false;
    /// Open model: its load shape (loss accounting replays the agents' shares on it).
    std::optional<sched::RateProfile> profile;
};

/// What the agents' plans weigh, once every agent has its slice (PlanAssembly::BytesForAgent).
struct PlanSize {
    std::uint64_t total_bytes = 0;    ///< every agent's slice, added up: what the run ships
    std::uint64_t largest_slice = 0;  ///< bytes of the largest agent slice
    std::int64_t vusers = 0;          ///< virtual users with a plan, over every scenario
    /// "plan: 312.4 MB for 1000000 virtual users (327 B each); largest agent slice 31.9 MB"
    std::string Line() const;
};

class PlanAssembly {
public:
    PlanAssembly(std::string cluster_id, std::string run_id);

    void Add(CapturedScenario scenario);
    /// The script's data feeds (whole files) the scenarios' kData placeholders refer to; each agent gets only
    /// its slice (BytesForAgent).
    void SetFeeds(std::vector<plan::DataFeed> feeds);
    bool HasFeeds() const noexcept { return !feeds_.empty(); }
    /// Throws lse::ScriptError listing every problem of every scenario ("the plan for the agents cannot be
    /// captured faithfully; the run was not started:"); otherwise the plan is ready for BytesForAgent.
    void Seal();
    /// The whole plan encoded (every virtual user, whole data feeds), once sealed and before ReleasePlan: what an
    /// agent would get if it hosted every virtual user. Encoded on each call.
    std::string Bytes() const;
    /// The encoded plan for agent `agent` of agents with `capacities`: only the virtual users `shares` select
    /// (its Assignment's ScenarioShares, in Scenarios() order) and the requests and strings they use
    /// (plan::EncodePlanSlice), with its slice of each data feed (data_slices.hpp). Once sealed, before
    /// ReleasePlan. Adds the slice to Size().
    std::string BytesForAgent(std::size_t agent, const std::vector<double>& capacities,
                              const std::vector<protocol::ScenarioShare>& shares);
    /// Every agent has its slice: the decoded plan, the whole data feeds and Scenarios()' id lists are freed (the
    /// coordinator keeps each agent's encoded slice, for re-assignments and takeovers, and its own id lists).
    /// BytesForAgent and Bytes() may not be called after.
    void ReleasePlan();
    /// The slices built so far, added up.
    const PlanSize& Size() const noexcept { return size_; }

    /// What Coordinator::Assign needs, in the order added.
    const std::vector<AgentScenario>& Scenarios() const noexcept { return scenarios_; }
    bool Empty() const noexcept { return scenarios_.empty(); }
    /// True when some scenario has an arrival profile: its agents' arrivals are accounted.
    bool ArrivalsAccounted() const noexcept;
    /// Custom metrics some scenario's capture marked not replayable (plan::PlannedMetric::replayable), sorted
    /// and distinct: SummaryInput::not_replayable_metrics of the run. Kept after ReleasePlan.
    std::vector<std::string> NotReplayableMetrics() const { return not_replayable_; }

private:
    void DropUnusedRows();

    plan::Plan plan_;
    std::vector<AgentScenario> scenarios_;
    std::vector<std::string> problems_;
    std::vector<plan::DataFeed> feeds_;
    std::vector<std::string> not_replayable_;
    PlanSize size_;
    bool released_ = false;
};

}  // namespace lse::coordinator
