#include "lse/coordinator/plan_assembly.hpp"

#include <algorithm>
#include <utility>

#include "lse/coordinator/data_slices.hpp"
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
    DropUnusedRows();  // a file no agent request reads (or one used only in on_start) is not shipped
    without_feeds_ = plan::EncodePlan(plan_);  // plan_.feeds stays empty: feeds_ holds them
    bytes_ = feeds_.empty() ? without_feeds_ : plan::ReplaceFeeds(without_feeds_, feeds_);
}

void PlanAssembly::SetFeeds(std::vector<plan::DataFeed> feeds) { feeds_ = std::move(feeds); }

void PlanAssembly::DropUnusedRows() {
    std::vector<bool> used(feeds_.size(), false);
    auto scan = [&used](const plan::Template& t) {
        for (const plan::Segment& seg : t.segments) {
            if (seg.kind == plan::Segment::Kind::kData && seg.a >= 0 && static_cast<std::size_t>(seg.a) < used.size()) {
                used[static_cast<std::size_t>(seg.a)] = true;
            }
        }
    };
    for (const auto& s : plan_.scenarios) {
        for (const auto& r : s.requests) {
            scan(r.url);
            scan(r.body);
            for (const auto& h : r.headers) scan(h.second);
        }
    }
    for (std::size_t i = 0; i < feeds_.size(); ++i) {
        if (!used[i]) feeds_[i].table = feeds_[i].table.Slice(0, 0);  // the columns stay: indexes still check
    }
}

std::string PlanAssembly::BytesForAgent(std::size_t agent, const std::vector<double>& capacities) const {
    if (feeds_.empty()) return bytes_;
    return plan::ReplaceFeeds(without_feeds_, SliceFeeds(feeds_, capacities, agent));
}

bool PlanAssembly::ArrivalsAccounted() const noexcept {
    return std::any_of(scenarios_.begin(), scenarios_.end(),
                       [](const AgentScenario& s) { return s.profile.has_value(); });
}

std::vector<std::string> PlanAssembly::NotReplayableMetrics() const {
    std::vector<std::string> names;
    for (const plan::ScenarioPlan& s : plan_.scenarios) {
        for (const plan::PlannedMetric& m : s.metrics) {
            if (!m.replayable) names.push_back(m.name);
        }
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

}  // namespace lse::coordinator
