#include <cmath>
#include <string>

#include "lse/plan/plan_codec.hpp"

namespace lse::plan {
namespace {

bool CheckTemplate(const Template& t, const std::string& where, std::string* error) {
    for (const auto& seg : t.segments) {
        if (static_cast<unsigned>(seg.kind) >= static_cast<unsigned>(Segment::Kind::kCount)) {
            *error = where + ": unknown template segment kind";
            return false;
        }
        if (seg.kind == Segment::Kind::kRandom && seg.a > seg.b) {
            *error = where + ": random range " + std::to_string(seg.a) + ".." + std::to_string(seg.b) + " is empty";
            return false;
        }
    }
    return true;
}

}  // namespace

bool CheckScenarioPlan(const ScenarioPlan& plan, std::string* error) {
    std::string scratch;
    if (error == nullptr) error = &scratch;
    const std::string scenario = "scenario '" + plan.name + "'";
    if (!std::isfinite(plan.load.start_rps) || plan.load.start_rps < 0) {
        *error = scenario + ": bad start rate";
        return false;
    }
    for (const auto& st : plan.load.stages) {
        if (!std::isfinite(st.target_rps) || st.target_rps < 0) {
            *error = scenario + ": bad stage rate";
            return false;
        }
    }
    for (const auto& t : plan.tasks) {
        if (!std::isfinite(t.weight) || t.weight <= 0) {
            *error = scenario + ", task '" + t.name + "': weight must be finite and > 0";
            return false;
        }
    }
    for (size_t i = 0; i < plan.requests.size(); ++i) {
        const PlannedRequest& r = plan.requests[i];
        const std::string where = scenario + ", request " + std::to_string(i) + " ('" + r.name + "')";
        if (r.method >= http::Method::kCount) {
            *error = where + ": unknown method";
            return false;
        }
        if (!CheckTemplate(r.url, where, error) || !CheckTemplate(r.body, where, error)) return false;
        for (const auto& h : r.headers) {
            if (!CheckTemplate(h.second, where, error)) return false;
        }
        for (const auto& [lo, hi] : r.expect) {
            if (lo > hi) {
                *error = where + ": expect range " + std::to_string(lo) + "-" + std::to_string(hi) + " is empty";
                return false;
            }
        }
        if (r.timeout_ns < 0) {
            *error = where + ": negative timeout";
            return false;
        }
    }
    for (const auto& vu : plan.vusers) {
        const std::string where = scenario + ", virtual user " + std::to_string(vu.id);
        if (vu.task_steps.size() != plan.tasks.size()) {
            *error = where + ": " + std::to_string(vu.task_steps.size()) + " step lists for " +
                     std::to_string(plan.tasks.size()) + " tasks";
            return false;
        }
        for (const auto& steps : vu.task_steps) {
            for (const Step& st : steps) {
                if (st.pause ? st.pause_ns < 0 : st.request >= plan.requests.size()) {
                    *error = where + (st.pause ? ": negative pause" : ": step refers to a missing request");
                    return false;
                }
            }
        }
    }
    return true;
}

}  // namespace lse::plan
