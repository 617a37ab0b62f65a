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

class PlanAssembly {
public:
    PlanAssembly(std::string cluster_id, std::string run_id);

    void Add(CapturedScenario scenario);
    /// The script's data feeds (whole files) the scenarios' kData placeholders refer to; each agent gets only
    /// its slice (BytesForAgent).
    void SetFeeds(std::vector<plan::DataFeed> feeds);
    bool HasFeeds() const noexcept { return !feeds_.empty(); }
    /// Throws lse::ScriptError listing every problem of every scenario ("the plan for the agents cannot be
    /// captured faithfully; the run was not started:"); otherwise encodes the plan (Bytes()).
    void Seal();
    /// The encoded plan, once sealed (with the whole data feeds).
    const std::string& Bytes() const noexcept { return bytes_; }
    /// The encoded plan for agent `agent` of agents with `capacities`: its slice of each data feed
    /// (data_slices.hpp); Bytes() when there is no feed. Once sealed.
    std::string BytesForAgent(std::size_t agent, const std::vector<double>& capacities) const;

    /// What Coordinator::Assign needs, in the order added.
    const std::vector<AgentScenario>& Scenarios() const noexcept { return scenarios_; }
    bool Empty() const noexcept { return scenarios_.empty(); }
    /// True when some scenario has an arrival profile: its agents' arrivals are accounted.
    bool ArrivalsAccounted() const noexcept;
    /// Custom metrics some scenario's capture marked not replayable (plan::PlannedMetric::replayable), sorted
    /// and distinct: SummaryInput::not_replayable_metrics of the run.
    std::vector<std::string> NotReplayableMetrics() const;

private:
    void DropUnusedRows();

    plan::Plan plan_;
    std::vector<AgentScenario> scenarios_;
    std::vector<std::string> problems_;
    std::string bytes_;
    std::vector<plan::DataFeed> feeds_;
    std::string without_feeds_;  // the plan encoded with no feed: agents' slices are appended to it
};

}  // namespace lse::coordinator
