#include <cmath>
#include <cstdint>
#include <string>
#include <climits>
#include <memory>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "lse/metrics/tags.hpp"
#include "lse/plan/extract/json_path.hpp"
#include "lse/plan/extract/lua_pattern.hpp"
#include "lse/plan/plan_codec.hpp"
#include "plan_stream.hpp"

namespace lse::plan {
namespace {

// Slot numbers index a per-iteration array on the agent: bounded like the decoder bounds them, so a plan
// this check accepts also decodes with the default limits.
const std::size_t kMaxSlots = DecodeLimits{}.max_slots;

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
        if (seg.kind == Segment::Kind::kValue) {
            if (seg.a < 0 || static_cast<std::uint64_t>(seg.a) >= kMaxSlots) {
                *error = where + ": response value slot " + std::to_string(seg.a) + " out of range";
                return false;
            }
            if (seg.b < 0 || seg.b >= static_cast<std::int64_t>(ValueEncoding::kCount)) {
                *error = where + ": unknown response value encoding " + std::to_string(seg.b);
                return false;
            }
        }
        if (seg.kind == Segment::Kind::kData) {
            if (seg.a < 0 || seg.b < 0 || seg.b >= static_cast<std::int64_t>(ValueEncoding::kCount) ||
                seg.draw >= DecodeLimits{}.max_draws) {
                *error = where + ": bad data placeholder (feed " + std::to_string(seg.a) + ", draw " +
                         std::to_string(seg.draw) + ")";
                return false;
            }
        }
    }
    return true;
}

// A kData segment against the plan's feeds.
bool CheckDataRef(const Segment& seg, const std::vector<DataFeed>& feeds, const std::string& where,
                  std::string* error) {
    if (seg.a < 0 || static_cast<std::size_t>(seg.a) >= feeds.size()) {
        *error = where + ": data feed " + std::to_string(seg.a) + " is not in the plan (it has " +
                 std::to_string(feeds.size()) + ")";
        return false;
    }
    const DataFeed& f = feeds[static_cast<std::size_t>(seg.a)];
    if (f.options.mode == data::AccessMode::kPerVu) {
        *error = where + ": data file " + f.name + " is per_vu, whose rows are literal in the requests";
        return false;
    }
    if (seg.column >= f.table.ColumnCount()) {
        *error = where + ": column " + std::to_string(seg.column) + " of data file " + f.name + " does not exist";
        return false;
    }
    return true;
}

// kData segments of a template against the plan's feeds.
bool CheckDataRefs(const Template& t, const std::vector<DataFeed>& feeds, const std::string& where, std::string* error) {
    for (const auto& seg : t.segments) {
        if (seg.kind == Segment::Kind::kData && !CheckDataRef(seg, feeds, where, error)) return false;
    }
    return true;
}

// The response value slots a request's templates use.
void CollectSlots(const Template& t, std::vector<std::uint32_t>* slots) {
    for (const auto& seg : t.segments) {
        if (seg.kind == Segment::Kind::kValue) slots->push_back(static_cast<std::uint32_t>(seg.a));
    }
}

// An extraction rule on its own: what the agent will parse at setup. Keys and patterns already found
// valid are remembered, since every virtual user of a pool usually repeats the same rules.
class ExtractionChecker {
public:
    bool Check(const Extraction& x, const std::string& where, std::string* error) {
        if (static_cast<unsigned>(x.source) >= static_cast<unsigned>(Extraction::Source::kCount)) {
            *error = where + ": unknown extraction source";
            return false;
        }
        if (x.slot >= kMaxSlots) {
            *error = where + ": response value slot " + std::to_string(x.slot) + " out of range";
            return false;
        }
        if (x.source == Extraction::Source::kHeader) {
            if (x.key.empty()) {
                *error = where + ": extraction from a header without a header name";
                return false;
            }
            for (const char c : x.key) {
                if (c >= 'A' && c <= 'Z') {
                    *error = where + ": header name '" + x.key + "' must be lower-case";
                    return false;
                }
            }
        }
        if (x.source == Extraction::Source::kJson && !paths_.contains(x.key)) {
            extract::JsonPath path;
            std::string why;
            if (x.key.empty() || !extract::ParseJsonPath(x.key, &path, &why)) {
                *error = where + ": " + (x.key.empty() ? std::string("JSON extraction without a path") : why);
                return false;
            }
            paths_.insert(x.key);
        }
        if (!x.pattern.empty() && !patterns_.contains(x.pattern)) {
            extract::LuaPattern pattern;
            std::string why;
            if (!pattern.Compile(x.pattern, &why)) {
                *error = where + ": " + why;
                return false;
            }
            patterns_.insert(x.pattern);
        }
        return true;
    }

private:
    std::unordered_set<std::string> paths_;
    std::unordered_set<std::string> patterns_;
};

// Custom metrics (format 6): the table's names are valid and distinct, kinds known.
bool CheckMetricTable(const ScenarioPlan& plan, std::string* error) {
    if (plan.metrics.size() > metrics::kMaxCustomMetrics) {
        *error = "scenario '" + plan.name + "': more than " + std::to_string(metrics::kMaxCustomMetrics) +
                 " custom metrics";
        return false;
    }
    std::unordered_set<std::string> names;
    for (const PlannedMetric& m : plan.metrics) {
        const std::string where = "scenario '" + plan.name + "', metric '" + m.name.substr(0, 200) + "'";
        if (!metrics::IsValidCustomMetricName(m.name)) {
            *error = where + ": invalid metric name";
            return false;
        }
        if (m.kind < metrics::CustomMetricKind::kCounter || m.kind > metrics::CustomMetricKind::kTrend) {
            *error = where + ": unknown metric kind";
            return false;
        }
        if (!names.insert(m.name).second) {
            *error = where + ": listed twice";
            return false;
        }
    }
    return true;
}

// A metric step: its metric exists and is replayable, its value is a finite constant or a response value an
// earlier step of the iteration extracted as a number (the agent parses that text), set() only on gauges.
bool CheckMetricStep(const ScenarioPlan& plan, const Step& st, const std::vector<bool>& filled,
                     const std::string& where, std::string* error) {
    const MetricSample& m = st.sample;
    if (st.pause || !st.extract.empty()) {
        *error = where + ": a metric step is also a pause or has extraction rules";
        return false;
    }
    if (m.metric >= plan.metrics.size()) {
        *error = where + ": metric step refers to a missing metric";
        return false;
    }
    const PlannedMetric& metric = plan.metrics[m.metric];
    const std::string step = where + ", metric '" + metric.name + "'";
    if (!metric.replayable) {
        *error = step + ": a metric marked not replayable has a step";
        return false;
    }
    if (m.set && metric.kind != metrics::CustomMetricKind::kGauge) {
        *error = step + ": set() on a metric that is not a gauge";
        return false;
    }
    if (m.from_value) {
        if (m.slot >= filled.size() || !filled[m.slot]) {
            *error = step + ": uses response value " + std::to_string(m.slot) +
                     " that no earlier step of the task extracts";
            return false;
        }
        return true;
    }
    const std::string_view problem = metrics::CustomValueProblem(metric.kind, m.value);
    if (!problem.empty()) {
        *error = step + ": constant " + std::string(problem);
        return false;
    }
    return true;
}

// The checks of one request on its own (CheckScenarioPlan's request part).
bool CheckRequest(const std::string& scenario, std::size_t index, const PlannedRequest& r, std::string* error) {
    const std::string where = scenario + ", request " + std::to_string(index) + " ('" + r.name + "')";
    if (r.method >= http::Method::kCount) {
        *error = where + ": unknown method";
        return false;
    }
    if (r.method == http::Method::kOther) {
        try {  // the same rule as a script's: an upper-case token
            http::Method known;
            http::ParseAnyMethod(r.method_token, &known);
        } catch (const std::exception& e) {
            *error = where + ": " + e.what();
            return false;
        }
    }
    // The group becomes a stat key field (lse/metrics/stat_key.hpp): no control bytes, which would split it.
    for (char c : r.group) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            *error = where + ": group name with a control character";
            return false;
        }
    }
    // The tags become a stat key field too (format 6): only the canonical form lse/metrics/tags.hpp makes.
    if (std::vector<metrics::Tag> tags; !metrics::ParseTags(r.tags, &tags)) {
        *error = where + ": malformed tags (not canonical sorted key/value pairs of allowed keys and values)";
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
    return true;
}

// What a deferred metric step check needs to know of a step (its value only by the problem class it has:
// CustomValueProblem depends on no more), so that the steps of a million virtual users are a few entries.
std::uint64_t SampleKey(const MetricSample& m, bool filled) {
    std::uint64_t cls = 0;
    if (m.from_value) {
        cls = filled ? 1 : 0;
    } else if (!std::isfinite(m.value)) {
        cls = 1;
    } else if (m.value < 0) {
        cls = 2;
    } else if (!metrics::CustomValueProblem(metrics::CustomMetricKind::kTrend, m.value).empty()) {
        cls = 3;
    }
    return std::uint64_t{m.metric} | (std::uint64_t{m.set} << 32) | (std::uint64_t{m.from_value} << 33) |
           (cls << 34);
}

}  // namespace

struct ScenarioChecker::State {
    std::string scenario;  // "scenario 'name'"
    std::vector<std::string> task_names;
    // Per request: the index of its name in `names`, and the response value slots its templates use
    // (slots[slot_begin[i], slot_begin[i + 1])): what a virtual user's steps are checked against.
    std::vector<std::uint32_t> request_name;
    std::unordered_map<std::string, std::uint32_t> name_index;
    std::vector<const std::string*> names;  // keys of name_index (stable)
    std::vector<std::uint32_t> slot_begin{0};
    std::vector<std::uint32_t> slots;
    // Data placeholders, one per distinct (feed, column), at their first use (request, n-th placeholder in
    // CheckPlanFeeds' order): the first bad one in request order is one of these.
    struct DataUse {
        std::int64_t feed = 0;
        std::uint32_t column = 0;
        std::size_t request = 0;
        std::size_t ordinal = 0;
        std::string name;  ///< the request's
    };
    std::vector<DataUse> data_uses;
    std::set<std::pair<std::int64_t, std::uint32_t>> data_seen;
    ExtractionChecker extractions;
    std::vector<bool> filled;
    // Metric steps, checked against the metric table at End: one per distinct SampleKey, at its first step.
    struct PendingSample {
        MetricSample sample;
        bool filled = false;
        int vu = 0;
        std::uint32_t task = 0;
    };
    std::vector<PendingSample> samples;
    std::unordered_set<std::uint64_t> sample_seen;
};

ScenarioChecker::ScenarioChecker() : s_(std::make_unique<State>()) {}
ScenarioChecker::~ScenarioChecker() = default;
ScenarioChecker::ScenarioChecker(ScenarioChecker&&) noexcept = default;
ScenarioChecker& ScenarioChecker::operator=(ScenarioChecker&&) noexcept = default;

bool ScenarioChecker::Begin(const ScenarioPlan& plan, std::string* error) {
    State& s = *s_;
    s.scenario = "scenario '" + plan.name + "'";
    if (!std::isfinite(plan.load.start_rps) || plan.load.start_rps < 0) {
        *error = s.scenario + ": bad start rate";
        return false;
    }
    for (const auto& st : plan.load.stages) {
        if (!std::isfinite(st.target_rps) || st.target_rps < 0) {
            *error = s.scenario + ": bad stage rate";
            return false;
        }
    }
    for (const auto& t : plan.tasks) {
        if (!std::isfinite(t.weight) || t.weight <= 0) {
            *error = s.scenario + ", task '" + t.name + "': weight must be finite and > 0";
            return false;
        }
        if (static_cast<unsigned>(t.on_extract_error) >= static_cast<unsigned>(OnExtractError::kCount)) {
            *error = s.scenario + ", task '" + t.name + "': unknown on_extract_error";
            return false;
        }
        s.task_names.push_back(t.name);
    }
    return true;
}

bool ScenarioChecker::Request(std::size_t index, const PlannedRequest& r, std::string* error) {
    State& s = *s_;
    if (index != s.request_name.size()) {  // a caller's bug, not the plan's
        *error = s.scenario + ": request " + std::to_string(index) + " out of order";
        return false;
    }
    if (!CheckRequest(s.scenario, index, r, error)) return false;
    auto name = s.name_index.find(r.name);
    if (name == s.name_index.end()) {
        name = s.name_index.emplace(r.name, static_cast<std::uint32_t>(s.names.size())).first;
        s.names.push_back(&name->first);
    }
    s.request_name.push_back(name->second);
    CollectSlots(r.url, &s.slots);
    for (const auto& h : r.headers) CollectSlots(h.second, &s.slots);
    CollectSlots(r.body, &s.slots);
    if (s.slots.size() > UINT32_MAX) {
        *error = s.scenario + ": too many response value placeholders";
        return false;
    }
    s.slot_begin.push_back(static_cast<std::uint32_t>(s.slots.size()));
    std::size_t ordinal = 0;
    auto data = [&](const Template& t) {
        for (const Segment& seg : t.segments) {
            if (seg.kind != Segment::Kind::kData) continue;
            if (s.data_seen.emplace(seg.a, seg.column).second) {
                s.data_uses.push_back({seg.a, seg.column, index, ordinal, r.name});
            }
            ++ordinal;
        }
    };
    data(r.url);  // CheckPlanFeeds' order
    data(r.body);
    for (const auto& h : r.headers) data(h.second);
    return true;
}

bool ScenarioChecker::Vuser(const VuPlan& vu, std::string* error) {
    State& s = *s_;
    const std::string where = s.scenario + ", virtual user " + std::to_string(vu.id);
    if (vu.task_steps.size() != s.task_names.size()) {
        *error = where + ": " + std::to_string(vu.task_steps.size()) + " step lists for " +
                 std::to_string(s.task_names.size()) + " tasks";
        return false;
    }
    const std::size_t requests = s.request_name.size();
    for (size_t t = 0; t < vu.task_steps.size(); ++t) {
        // Values live for one iteration of one task: a step may use only what earlier steps filled.
        s.filled.assign(s.filled.size(), false);
        int request_number = 0;
        for (const Step& st : vu.task_steps[t]) {
            if (st.metric) {  // format 6: checked against the metric table at End
                if (st.pause || !st.extract.empty()) {
                    *error = where + ", task '" + s.task_names[t] +
                             "': a metric step is also a pause or has extraction rules";
                    return false;
                }
                const bool filled = st.sample.from_value && st.sample.slot < s.filled.size() && s.filled[st.sample.slot];
                if (s.sample_seen.insert(SampleKey(st.sample, filled)).second) {
                    s.samples.push_back({st.sample, filled, vu.id, static_cast<std::uint32_t>(t)});
                }
                continue;
            }
            if (st.pause ? st.pause_ns < 0 : st.request >= requests) {
                *error = where + (st.pause ? ": negative pause" : ": step refers to a missing request");
                return false;
            }
            if (st.pause) {
                if (!st.extract.empty()) {
                    *error = where + ", task '" + s.task_names[t] + "': a pause step has extraction rules";
                    return false;
                }
                continue;
            }
            ++request_number;
            auto step = [&] {
                return where + ", task '" + s.task_names[t] + "', step " + std::to_string(request_number) + " ('" +
                       *s.names[s.request_name[st.request]] + "')";
            };
            for (std::uint32_t k = s.slot_begin[st.request]; k < s.slot_begin[st.request + 1]; ++k) {
                const std::uint32_t slot = s.slots[k];
                if (slot >= s.filled.size() || !s.filled[slot]) {
                    *error = step() + ": uses response value " + std::to_string(slot) +
                             " that no earlier step of the task extracts";
                    return false;
                }
            }
            if (!st.extract.empty()) {
                const std::string at = step();
                for (const Extraction& x : st.extract) {
                    if (!s.extractions.Check(x, at, error)) return false;
                    if (x.slot >= s.filled.size()) s.filled.resize(static_cast<size_t>(x.slot) + 1, false);
                    s.filled[x.slot] = true;
                }
            }
        }
    }
    return true;
}

bool ScenarioChecker::End(const ScenarioPlan& plan, std::string* error) {
    State& s = *s_;
    if (!CheckMetricTable(plan, error)) return false;
    // Format 6: the scenario's client certificate and header limit (checked again as PEM by the agent at setup).
    if (plan.client_cert_pem.size() > kMaxClientPemBytes || plan.client_key_pem.size() > kMaxClientPemBytes) {
        *error = s.scenario + ": client certificate or key larger than " + std::to_string(kMaxClientPemBytes) +
                 " bytes";
        return false;
    }
    if (!plan.client_key_pem.empty() && plan.client_cert_pem.empty()) {
        *error = s.scenario + ": a client key without a client certificate";
        return false;
    }
    if (plan.max_header_bytes != 0 &&
        (plan.max_header_bytes < kMinHeaderLimitBytes || plan.max_header_bytes > kMaxHeaderLimitBytes)) {
        *error = s.scenario + ": response-header limit " + std::to_string(plan.max_header_bytes) +
                 " is outside 1KiB..1GiB";
        return false;
    }
    // Metric steps in the order of their first use: the first that fails is the plan's first bad metric step.
    std::vector<bool> filled;
    for (const State::PendingSample& p : s.samples) {
        Step st;
        st.metric = true;
        st.sample = p.sample;
        filled.assign(p.sample.from_value ? static_cast<std::size_t>(p.sample.slot) + 1 : 0, false);
        if (p.filled) filled[p.sample.slot] = true;
        const std::string where = s.scenario + ", virtual user " + std::to_string(p.vu) + ", task '" +
                                  s.task_names[p.task] + "'";
        if (!CheckMetricStep(plan, st, filled, where, error)) return false;
    }
    // Only the data placeholders are left to check (CheckFeeds, once the feeds are read): drop the rest.
    State kept;
    kept.scenario = std::move(s.scenario);
    kept.data_uses = std::move(s.data_uses);
    *s_ = std::move(kept);
    return true;
}

bool ScenarioChecker::CheckFeeds(const std::vector<DataFeed>& feeds, std::string* error) const {
    const State& s = *s_;
    const State::DataUse* first = nullptr;
    std::string why;
    for (const State::DataUse& u : s.data_uses) {
        Segment seg;
        seg.kind = Segment::Kind::kData;
        seg.a = u.feed;
        seg.column = u.column;
        if (CheckDataRef(seg, feeds, "", &why)) continue;
        if (first == nullptr || u.request < first->request ||
            (u.request == first->request && u.ordinal < first->ordinal)) {
            first = &u;
        }
    }
    if (first == nullptr) return true;
    Segment seg;
    seg.kind = Segment::Kind::kData;
    seg.a = first->feed;
    seg.column = first->column;
    const std::string where =
        s.scenario + ", request " + std::to_string(first->request) + " ('" + first->name + "')";
    return CheckDataRef(seg, feeds, where, error);
}

bool CheckScenarioPlan(const ScenarioPlan& plan, std::string* error) {
    std::string scratch;
    if (error == nullptr) error = &scratch;
    ScenarioChecker check;
    if (!check.Begin(plan, error)) return false;
    for (size_t i = 0; i < plan.requests.size(); ++i) {
        if (!check.Request(i, plan.requests[i], error)) return false;
    }
    for (const VuPlan& vu : plan.vusers) {
        if (!check.Vuser(vu, error)) return false;
    }
    return check.End(plan, error);
}

bool CheckFeedList(const std::vector<DataFeed>& feeds, std::string* error) {
    for (const DataFeed& f : feeds) {
        if (f.options.mode >= data::AccessMode::kCount || f.options.on_exhausted >= data::OnExhausted::kCount) {
            *error = "data file " + f.name + ": unknown access mode";
            return false;
        }
        if (f.options.mode == data::AccessMode::kPerVu && f.table.RowCount() != 0) {
            *error = "data file " + f.name + ": per_vu rows are literal in the requests, the plan carries none";
            return false;
        }
        if (f.first_row + f.table.RowCount() > f.total_rows) {
            *error = "data file " + f.name + ": its slice goes past the file's " + std::to_string(f.total_rows) + " rows";
            return false;
        }
    }
    return true;
}

bool CheckPlanFeeds(const Plan& plan, std::string* error) {
    if (!CheckFeedList(plan.feeds, error)) return false;
    for (const ScenarioPlan& s : plan.scenarios) {
        for (std::size_t i = 0; i < s.requests.size(); ++i) {
            const PlannedRequest& r = s.requests[i];
            const std::string where = "scenario '" + s.name + "', request " + std::to_string(i) + " ('" + r.name + "')";
            if (!CheckDataRefs(r.url, plan.feeds, where, error) || !CheckDataRefs(r.body, plan.feeds, where, error)) {
                return false;
            }
            for (const auto& h : r.headers) {
                if (!CheckDataRefs(h.second, plan.feeds, where, error)) return false;
            }
        }
    }
    return true;
}

}  // namespace lse::plan
