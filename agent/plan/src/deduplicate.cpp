#include <algorithm>
#include <map>
#include <tuple>
#include <string>
#include <vector>

#include "lse/plan/plan_codec.hpp"

namespace lse::plan {
namespace {

// An ordering on requests so identical ones can be found with a std::map; any strict weak
// order works, this one compares the cheapest distinguishing fields first.
struct RequestLess {
    static auto Key(const Segment& s) { return std::tie(s.kind, s.text, s.a, s.b, s.column, s.draw); }
    static bool Less(const Template& x, const Template& y) {
        return std::lexicographical_compare(x.segments.begin(), x.segments.end(), y.segments.begin(),
                                            y.segments.end(),
                                            [](const Segment& a, const Segment& b) { return Key(a) < Key(b); });
    }
    bool operator()(const PlannedRequest* x, const PlannedRequest* y) const {
        if (x->name != y->name) return x->name < y->name;
        if (x->method != y->method) return x->method < y->method;
        if (x->timeout_ns != y->timeout_ns) return x->timeout_ns < y->timeout_ns;
        if (x->expect != y->expect) return x->expect < y->expect;
        if (x->url != y->url) return Less(x->url, y->url);
        if (x->body != y->body) return Less(x->body, y->body);
        if (x->headers.size() != y->headers.size()) return x->headers.size() < y->headers.size();
        for (size_t i = 0; i < x->headers.size(); ++i) {
            if (x->headers[i].first != y->headers[i].first) return x->headers[i].first < y->headers[i].first;
            if (x->headers[i].second != y->headers[i].second) {
                return Less(x->headers[i].second, y->headers[i].second);
            }
        }
        return false;
    }
};

}  // namespace

void Deduplicate(ScenarioPlan* plan) {
    std::vector<std::uint32_t> remap(plan->requests.size());
    std::vector<PlannedRequest> kept;
    {
        std::map<const PlannedRequest*, std::uint32_t, RequestLess> seen;
        for (size_t i = 0; i < plan->requests.size(); ++i) {
            auto [it, inserted] = seen.emplace(&plan->requests[i], static_cast<std::uint32_t>(kept.size()));
            remap[i] = it->second;
            if (inserted) kept.push_back(plan->requests[i]);  // copy: the map still points into requests
        }
    }
    plan->requests = std::move(kept);
    for (auto& vu : plan->vusers) {
        for (auto& steps : vu.task_steps) {
            for (auto& st : steps) {
                if (st.IsRequest() && st.request < remap.size()) st.request = remap[st.request];
            }
        }
    }
}

}  // namespace lse::plan
