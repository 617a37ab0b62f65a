#include "lse/coordinator/plan_assembly.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>
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
    // Shares name users by increasing id (VuSelection lists) and slices keep the plan's order: sort once if the
    // capture finished its users out of order.
    auto by_id = [](const plan::VuPlan& a, const plan::VuPlan& b) { return a.id < b.id; };
    if (!std::is_sorted(c.plan.vusers.begin(), c.plan.vusers.end(), by_id)) {
        std::sort(c.plan.vusers.begin(), c.plan.vusers.end(), by_id);
    }
    AgentScenario as;
    as.name = c.name;
    as.open_model = c.open_model;
    if (as.open_model) as.profile = std::move(c.profile);
    for (const auto& vu : c.plan.vusers) as.vu_ids.push_back(vu.id);
    size_.vusers += static_cast<std::int64_t>(c.plan.vusers.size());
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
    for (const plan::ScenarioPlan& s : plan_.scenarios) {
        for (const plan::PlannedMetric& m : s.metrics) {
            if (!m.replayable) not_replayable_.push_back(m.name);
        }
    }
    std::sort(not_replayable_.begin(), not_replayable_.end());
    not_replayable_.erase(std::unique(not_replayable_.begin(), not_replayable_.end()), not_replayable_.end());
}

std::string PlanAssembly::Bytes() const {
    if (released_) throw std::logic_error("PlanAssembly::Bytes after ReleasePlan");
    const std::string encoded = plan::EncodePlan(plan_);  // plan_.feeds stays empty: feeds_ holds them
    return feeds_.empty() ? encoded : plan::ReplaceFeeds(encoded, feeds_);
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

std::string PlanAssembly::BytesForAgent(std::size_t agent, const std::vector<double>& capacities,
                                        const std::vector<protocol::ScenarioShare>& shares) {
    if (released_) throw std::logic_error("PlanAssembly::BytesForAgent after ReleasePlan");
    plan::VuPositions keep(plan_.scenarios.size());
    for (std::size_t s = 0; s < plan_.scenarios.size(); ++s) {
        const std::string& name = plan_.scenarios[s].name;
        const auto share = std::find_if(shares.begin(), shares.end(),
                                        [&](const protocol::ScenarioShare& x) { return x.scenario == name; });
        if (share == shares.end() || share->vusers.kind == protocol::VuSelection::Kind::kNone) continue;
        const std::vector<plan::VuPlan>& vusers = plan_.scenarios[s].vusers;
        for (std::size_t p = 0; p < vusers.size(); ++p) {
            if (share->vusers.Contains(vusers[p].id)) keep[s].push_back(p);
        }
    }
    std::string bytes = plan::EncodePlanSlice(plan_, keep);  // no feed: the agent's slices are appended
    if (!feeds_.empty()) bytes = plan::ReplaceFeeds(bytes, SliceFeeds(feeds_, capacities, agent));
    size_.total_bytes += bytes.size();
    size_.largest_slice = std::max<std::uint64_t>(size_.largest_slice, bytes.size());
    return bytes;
}

void PlanAssembly::ReleasePlan() {
    released_ = true;
    plan::Plan().scenarios.swap(plan_.scenarios);
    std::vector<plan::DataFeed>().swap(feeds_);
    // The coordinator has its own copy of the id lists (Assign): 8 bytes per user less here.
    for (AgentScenario& s : scenarios_) std::vector<std::int64_t>().swap(s.vu_ids);
}

std::string PlanSize::Line() const {
    auto mb = [](std::uint64_t bytes) {  // MB for real plans (what the bench parses), kB for small ones
        char text[32];
        const double b = static_cast<double>(bytes);
        if (bytes >= 1'000'000) {
            std::snprintf(text, sizeof text, "%.1f MB", b / 1e6);
        } else {
            std::snprintf(text, sizeof text, "%.1f kB", b / 1e3);
        }
        return std::string(text);
    };
    const std::uint64_t each = vusers > 0 ? total_bytes / static_cast<std::uint64_t>(vusers) : 0;
    return "plan: " + mb(total_bytes) + " for " + std::to_string(vusers) + " virtual users (" + std::to_string(each) +
           " B each); largest agent slice " + mb(largest_slice);
}

bool PlanAssembly::ArrivalsAccounted() const noexcept {
    return std::any_of(scenarios_.begin(), scenarios_.end(),
                       [](const AgentScenario& s) { return s.profile.has_value(); });
}

}  // namespace lse::coordinator
