#include "lse/plan/compiled_scenario.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <string>
#include <unordered_map>
#include <utility>

#include "lse/core/errors.hpp"
#include "lse/plan/plan_codec.hpp"
#include "replay_tables.hpp"
#include "scenario_compiler.hpp"

namespace lse::plan {
namespace {

// Extraction rules that differ only by slot share one compiled form: the key is everything else.
std::string ExtractionKey(const Extraction& e) {
    std::string key;
    key += static_cast<char>(e.source);
    key += e.number ? '1' : '0';
    key += e.key;
    key += '\0';
    key += e.pattern;
    return key;
}

// Everything RequestTraits holds, as one string (requests with equal keys share one traits entry).
std::string TraitsKey(const PlannedRequest& r, const http::Origin& origin) {
    std::string key = origin.ToString();
    key += '\0';
    for (const auto& [lo, hi] : r.expect) key += std::to_string(lo) + "-" + std::to_string(hi) + ",";
    key += '\0';
    key += std::to_string(r.timeout_ns) + "/" + std::to_string(r.max_redirects);
    for (const std::string* s : {&r.name, &r.group, &r.tags}) {
        key += '\0';
        key += *s;
    }
    return key;
}

void CheckDataFeeds(const ScenarioPlan& plan, const std::vector<std::shared_ptr<data::Feeder>>& feeders) {
    auto check = [&](const Template& t, const PlannedRequest& r) {
        for (const Segment& seg : t.segments) {
            if (seg.kind != Segment::Kind::kData) continue;
            const auto feed = static_cast<size_t>(seg.a);
            if (seg.a < 0 || feed >= feeders.size() || feeders[feed] == nullptr ||
                seg.column >= feeders[feed]->Table().ColumnCount()) {
                throw UsageError("cannot replay the plan: scenario '" + plan.name + "', request '" + r.name +
                                 "' uses data feed " + std::to_string(seg.a) + " column " + std::to_string(seg.column) +
                                 ", which the plan does not carry");
            }
        }
    };
    for (const PlannedRequest& r : plan.requests) {
        check(r.url, r);
        check(r.body, r);
        for (const auto& h : r.headers) check(h.second, r);
    }
}

// Rows per feed a templated request uses (its highest draw + 1 per feed).
std::vector<FeedDraws> DataDraws(const PlannedRequest& r) {
    std::vector<FeedDraws> out;
    auto scan = [&out](const Template& t) {
        for (const Segment& seg : t.segments) {
            if (seg.kind != Segment::Kind::kData) continue;
            const auto feed = static_cast<std::uint32_t>(seg.a);
            auto it = std::find_if(out.begin(), out.end(), [feed](const FeedDraws& d) { return d.feed == feed; });
            if (it == out.end()) it = out.insert(out.end(), FeedDraws{feed, 0});
            it->count = std::max(it->count, seg.draw + 1);
        }
    };
    scan(r.url);
    scan(r.body);
    for (const auto& h : r.headers) scan(h.second);
    return out;
}

// Capacity left unused when a table is done growing: what shrink_to_fit would reallocate for (old and new then exist
// at once: a peak of their sum), so only a large waste is worth it.
template <typename T>
void ShrinkIfWasteful(std::vector<T>& v) {
    if (v.capacity() - v.size() > v.size() / 8) v.shrink_to_fit();
}

}  // namespace

ScenarioCompiler::ScenarioCompiler() : tables_(std::make_shared<ReplayTables>()), t_(*tables_) {}

void ScenarioCompiler::Begin(const ScenarioPlan& header) {
    name_ = header.name;
    task_names_.clear();
    for (const PlannedTask& t : header.tasks) task_names_.push_back(t.name);
    t_.task_count = header.tasks.size();
}

void ScenarioCompiler::ExpectRequests(std::size_t n) { t_.requests.reserve(n); }

void ScenarioCompiler::ExpectVusers(std::size_t n) {
    expected_vusers_ = n;
    t_.vus.reserve(n);
    t_.task_begin.reserve(n * t_.task_count + 1);
    if (with_draws_) t_.draw_begin.reserve(n * t_.task_count + 1);
}

void ScenarioCompiler::Request(std::size_t index, const PlannedRequest& r) {
    if (index != t_.requests.size()) throw UsageError("scenario '" + name_ + "': requests out of order");
    CompiledRequest c;
    try {
        c = CompileRequest(r);
    } catch (const UsageError& e) {
        throw UsageError("scenario '" + name_ + "', " + e.what());
    }
    ReplayRequest& out = t_.requests.emplace_back();
    std::string key = TraitsKey(r, c.origin);
    auto it = traits_index_.find(key);
    if (it == traits_index_.end()) {
        RequestTraits traits;
        traits.origin = c.origin;
        traits.accepted = c.accepted;
        traits.timeout_ns = c.timeout_ns;
        traits.max_redirects = c.max_redirects;
        traits.name = r.name;
        traits.group = r.group;
        traits.tags = r.tags;
        t_.traits.push_back(std::move(traits));
        it = traits_index_.emplace(std::move(key), static_cast<std::uint32_t>(t_.traits.size() - 1)).first;
    }
    out.traits = it->second;
    if (c.literal()) {
        out.literal = std::move(c.shape.request);
        out.literal.bytes.shrink_to_fit();
    } else {
        auto templated = std::make_unique<TemplatedRequest>();
        templated->hole_segments.reserve(c.holes.size());
        for (const Segment* s : c.holes) templated->hole_segments.push_back(*s);
        for (size_t h = 0; h < c.holes.size(); ++h) c.holes[h] = &templated->hole_segments[h];
        templated->compiled = std::move(c);
        templated->draws = DataDraws(r);
        with_draws_ = with_draws_ || !templated->draws.empty();
        out.templated = static_cast<std::uint32_t>(t_.templated.size());
        t_.templated.push_back(std::move(templated));
    }
}

// The flat tables grow by doubling, whose last step can leave twice what they need (and a copy on shrinking): once a
// sample of the virtual users is in, reserve what all of them will take at the same rate.
void ScenarioCompiler::ProjectCapacity() {
    const std::size_t done = t_.vus.size();
    if (done == 0 || expected_vusers_ <= done) return;
    auto project = [&](auto& v) {
        const std::size_t want = v.size() / done * expected_vusers_ + v.size() % done * expected_vusers_ / done;
        v.reserve(want + want / 64);
    };
    project(t_.steps);
    project(t_.bound);
    project(t_.pauses);
    project(t_.samples);
    project(t_.draws);
}

// Each virtual user's steps into the flat tables.
void ScenarioCompiler::Vuser(const VuPlan& vu) {
    if (t_.vus.empty()) {  // every request is in: whether draws are indexed is known
        t_.traits.shrink_to_fit();
        ShrinkIfWasteful(t_.requests);
    }
    if (t_.vus.size() == kProjectAfter) ProjectCapacity();
    const size_t tasks = t_.task_count;
    ReplayVu out{vu.id, 0};
    for (size_t task = 0; task < tasks; ++task) {
        t_.task_begin.push_back(static_cast<std::uint32_t>(t_.steps.size()));
        if (with_draws_) t_.draw_begin.push_back(static_cast<std::uint32_t>(t_.draws.size()));
        if (task >= vu.task_steps.size()) continue;
        const size_t first_step = t_.steps.size();
        const size_t first_bound = t_.bound.size();
        for (const Step& st : vu.task_steps[task]) {
            ReplayStep step;
            if (st.metric) {
                step.kind = ReplayStep::Kind::kMetric;
                step.index = static_cast<std::uint32_t>(t_.samples.size());
                t_.samples.push_back(st.sample);
            } else if (st.pause) {
                step.kind = ReplayStep::Kind::kPause;
                step.index = static_cast<std::uint32_t>(t_.pauses.size());
                t_.pauses.push_back(st.pause_ns);
            } else {
                step.index = st.request;
                step.first_extract = static_cast<std::uint32_t>(t_.bound.size());
                for (const Extraction& e : st.extract) {
                    // Extraction rules compiled as they first appear; the same rule (but its slot) shares one.
                    std::string key = ExtractionKey(e);
                    auto x = extraction_index_.find(key);
                    if (x == extraction_index_.end()) {
                        try {
                            t_.extractions.push_back(CompileExtraction(e));
                        } catch (const UsageError& err) {
                            throw UsageError("scenario '" + name_ + "', task '" + task_names_[task] + "': " + err.what());
                        }
                        x = extraction_index_
                                .emplace(std::move(key), static_cast<std::uint32_t>(t_.extractions.size() - 1))
                                .first;
                    }
                    t_.bound.push_back(BoundExtraction{x->second, e.slot});
                    out.slots = std::max(out.slots, e.slot + 1);
                }
                step.extract_count = static_cast<std::uint32_t>(t_.bound.size()) - step.first_extract;
            }
            t_.steps.push_back(step);
        }
        BindValueUses(first_step, first_bound);
        if (with_draws_) AddDraws(first_step);
    }
    t_.vus.push_back(out);
}

std::shared_ptr<const CompiledScenario> ScenarioCompiler::End(ScenarioPlan&& header) {
    if (t_.vus.empty()) {
        t_.traits.shrink_to_fit();
        ShrinkIfWasteful(t_.requests);
    }
    t_.task_begin.push_back(static_cast<std::uint32_t>(t_.steps.size()));
    if (with_draws_) t_.draw_begin.push_back(static_cast<std::uint32_t>(t_.draws.size()));
    ShrinkIfWasteful(t_.vus);
    ShrinkIfWasteful(t_.task_begin);
    ShrinkIfWasteful(t_.draw_begin);
    ShrinkIfWasteful(t_.steps);
    ShrinkIfWasteful(t_.bound);
    ShrinkIfWasteful(t_.pauses);
    ShrinkIfWasteful(t_.samples);
    ShrinkIfWasteful(t_.draws);
    auto out = std::make_shared<CompiledScenario>();
    out->vuser_count = t_.vus.size();
    header.requests.clear();
    header.requests.shrink_to_fit();
    header.vusers.clear();
    header.vusers.shrink_to_fit();
    out->header = std::make_shared<const ScenarioPlan>(std::move(header));
    out->tables = tables_;
    extraction_index_.clear();
    traits_index_.clear();
    return out;
}

// Where the task (its steps from first_step, its rules from first_bound) uses each response value: which of
// its rules must check for header breaks or a foreign origin.
void ScenarioCompiler::BindValueUses(size_t first_step, size_t first_bound) {
    for (size_t s = first_step; s < t_.steps.size(); ++s) {
        const ReplayStep& step = t_.steps[s];
        if (step.kind != ReplayStep::Kind::kRequest) continue;
        const std::uint32_t templated = t_.requests[step.index].templated;
        if (templated == kNoTemplate) continue;
        const CompiledRequest& c = t_.templated[templated]->compiled;
        for (size_t h = 0; h < c.holes.size(); ++h) {
            const Segment& seg = *c.holes[h];
            if (seg.kind != Segment::Kind::kValue) continue;
            const bool in_header = c.places[h] == HolePlace::kHeader &&
                                   static_cast<ValueEncoding>(seg.b) == ValueEncoding::kRaw;
            const bool path_start = c.places[h] == HolePlace::kPathStart;
            if (!in_header && !path_start) continue;
            for (size_t i = first_bound; i < t_.bound.size(); ++i) {
                BoundExtraction& b = t_.bound[i];
                if (static_cast<std::int64_t>(b.slot) != seg.a) continue;
                b.in_header = b.in_header || in_header;
                if (path_start && b.path_origin == nullptr) b.path_origin = &c.origin;
            }
        }
    }
}

// The rows the task (its steps from first_step) takes per feed: the most any of its requests uses.
void ScenarioCompiler::AddDraws(size_t first_step) {
    const size_t first = t_.draws.size();
    for (size_t s = first_step; s < t_.steps.size(); ++s) {
        const ReplayStep& step = t_.steps[s];
        if (step.kind != ReplayStep::Kind::kRequest) continue;
        const std::uint32_t templated = t_.requests[step.index].templated;
        if (templated == kNoTemplate) continue;
        for (const FeedDraws& d : t_.templated[templated]->draws) {
            auto end = t_.draws.end();
            auto it = std::find_if(t_.draws.begin() + static_cast<std::ptrdiff_t>(first), end,
                                   [&d](const FeedDraws& x) { return x.feed == d.feed; });
            if (it == end) {
                t_.draws.push_back(d);
            } else {
                it->count = std::max(it->count, d.count);
            }
        }
    }
    // Feed order, as the runner draws them (the order the rows of a unique feed are taken in).
    std::sort(t_.draws.begin() + static_cast<std::ptrdiff_t>(first), t_.draws.end(),
              [](const FeedDraws& a, const FeedDraws& b) { return a.feed < b.feed; });
}

std::shared_ptr<const CompiledScenario> CompileScenario(ScenarioPlan plan,
                                                        const std::vector<std::shared_ptr<data::Feeder>>& feeders) {
    std::string why;
    if (!CheckScenarioPlan(plan, &why)) throw UsageError("cannot replay the plan: " + why);
    CheckDataFeeds(plan, feeders);
    // Each request and virtual user is freed once compiled, so the decoded and compiled forms never both exist whole.
    ScenarioCompiler compiler;
    compiler.Begin(plan);
    compiler.ExpectRequests(plan.requests.size());
    for (size_t i = 0; i < plan.requests.size(); ++i) {
        compiler.Request(i, plan.requests[i]);
        plan.requests[i] = PlannedRequest{};
    }
    plan.requests.clear();
    plan.requests.shrink_to_fit();
    compiler.ExpectVusers(plan.vusers.size());
    for (VuPlan& vu : plan.vusers) {
        compiler.Vuser(vu);
        vu = VuPlan{};
    }
    auto out = compiler.End(std::move(plan));
#if defined(__GLIBC__)
    // The decoded form just freed is most of what the agent ever held: give its pages back to the system (glibc keeps
    // freed small blocks in the heap otherwise), so the agent's resident size is what it keeps.
    malloc_trim(0);
#endif
    return out;
}

std::vector<int> CompiledVuIds(const CompiledScenario& scenario) {
    std::vector<int> ids;
    if (scenario.tables == nullptr) return ids;
    ids.reserve(scenario.tables->vus.size());
    for (const ReplayVu& vu : scenario.tables->vus) ids.push_back(vu.id);
    return ids;
}

}  // namespace lse::plan
