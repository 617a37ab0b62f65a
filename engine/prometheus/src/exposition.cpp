#include "lse/prometheus/exposition.hpp"

#include <algorithm>
#include <initializer_list>
#include <map>
#include <tuple>
#include <utility>

#include "lse/core/error_kind.hpp"
#include "lse/core/redact.hpp"
#include "lse/metrics/stat_key.hpp"
#include "custom_families.hpp"
#include "generator_families.hpp"
#include "number_text.hpp"
#include "lse/metrics/tags.hpp"

namespace lse::prometheus {
namespace {

using detail::AppendNumber;
using detail::AppendUint;

using Label = std::pair<std::string_view, std::string_view>;  // name, already escaped value
// The group() path of a request series; written only when not empty.
constexpr std::string_view kGroupLabel = "group";
// Not a label itself: stands for a request's tags, one label per tag (name = key), written where it is listed.
// Its value is the canonical tags string (lse/metrics/tags.hpp) with every value already escaped.
constexpr std::string_view kTagsLabels = "\x1dtags";

// Bucket bounds as Prometheus shows them in `le` (shortest decimal of the seconds value).
constexpr std::array<std::string_view, kBucketBoundsUs.size()> kBucketLabels = {
    "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10"};

// Length of the valid UTF-8 sequence at s[i], or 0 when it is not one (RFC 3629: no overlongs,
// no surrogates, nothing above U+10FFFF).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
    const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = b(i);
    if (c < 0x80) return 1;
    size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (i + len > s.size()) return 0;
    if (b(i + 1) < lo || b(i + 1) > hi) return 0;
    for (size_t k = 2; k < len; ++k) {
        if (b(i + k) < 0x80 || b(i + k) > 0xBF) return 0;
    }
    return len;
}

// One metric family: its HELP/TYPE header and its samples, kept together as the format requires.
class Family {
public:
    Family(std::string_view name, std::string_view type, std::string_view help) : name_(name) {
        text_ += "# HELP ";
        text_ += name;
        text_ += ' ';
        text_ += help;
        text_ += "\n# TYPE ";
        text_ += name;
        text_ += ' ';
        text_ += type;
        text_ += '\n';
    }

    void AddUint(std::initializer_list<Label> labels, std::uint64_t value) {
        AppendSeries("", labels, {});
        AppendUint(&text_, value);
        text_ += '\n';
    }
    void AddDouble(std::initializer_list<Label> labels, double value) {
        AppendSeries("", labels, {});
        AppendNumber(&text_, value);
        text_ += '\n';
    }
    /// A histogram's _bucket/_sum/_count sample; `extra` is the `le` label of buckets.
    void AddPart(std::string_view suffix, std::initializer_list<Label> labels, Label extra, std::string_view value) {
        AppendSeries(suffix, labels, extra);
        text_ += value;
        text_ += '\n';
    }

    const std::string& Text() const { return text_; }

private:
    void AppendSeries(std::string_view suffix, std::initializer_list<Label> labels, Label extra) {
        text_ += name_;
        text_ += suffix;
        if (labels.size() == 0 && extra.first.empty()) {
            text_ += ' ';
            return;
        }
        char sep = '{';
        const auto append = [&](const Label& l) {
            // Requests outside any group() carry no group label (the series they had before groups existed);
            // PromQL's group="" matches them all the same.
            if (l.first == kGroupLabel && l.second.empty()) return;
            if (l.first == kTagsLabels) {
                AppendTags(l.second, &sep);
                return;
            }
            text_ += sep;
            text_ += l.first;
            text_ += "=\"";
            text_ += l.second;
            text_ += '"';
            sep = ',';
        };
        for (const Label& l : labels) append(l);
        if (!extra.first.empty()) append(extra);
        text_ += "} ";
    }

    void AppendTags(std::string_view tags, char* sep) {
        while (!tags.empty()) {
            const std::size_t end = tags.find(metrics::kTagPairSeparator);
            const std::string_view pair = tags.substr(0, end);
            const std::size_t eq = pair.find(metrics::kTagValueSeparator);
            text_ += *sep;
            text_ += pair.substr(0, eq);
            text_ += "=\"";
            text_ += pair.substr(eq + 1);
            text_ += '"';
            *sep = ',';
            tags = end == std::string_view::npos ? std::string_view() : tags.substr(end + 1);
        }
    }

    std::string_view name_;
    std::string text_;
};

// Series are keyed by escaped label values; names that only differ in replaced bytes merge, so the
// exposition never holds two samples of one series.
// scenario, task, request, group, tags (canonical, values escaped)
using RequestKey = std::tuple<std::string, std::string, std::string, std::string, std::string>;
using CheckKey = std::tuple<std::string, std::string, std::string, std::string>;    // scenario, task, check, group
using TaskKey = std::pair<std::string, std::string>;                   // scenario, task

struct Grouped {
    std::map<RequestKey, std::vector<const metrics::RequestStats*>> requests;
    std::map<TaskKey, std::pair<std::uint64_t, std::uint64_t>> iterations;  // ok, failed
    std::map<std::string, std::uint64_t> dropped;
    std::map<CheckKey, metrics::CheckCounts> checks;
};

// The canonical tags with each value escaped for a label (keys are names: nothing to escape).
std::string EscapedTags(std::string_view canonical) {
    std::vector<metrics::Tag> pairs = metrics::SplitTags(canonical);
    for (auto& [k, v] : pairs) v = EscapeLabelValue(v);
    return metrics::CanonicalTags(std::move(pairs));
}

Grouped Group(const metrics::Snapshot& snapshot) {
    Grouped g;
    metrics::StatKey key;
    for (const auto& [raw, stats] : snapshot.by_name) {
        if (!metrics::ParseStatKey(raw, &key)) {
            // A plain name (no stat key): a request outside any scenario.
            g.requests[{"", "", EscapeLabelValue(raw), "", ""}].push_back(&stats);
            continue;
        }
        const std::string scenario = EscapeLabelValue(key.scenario);
        switch (key.kind) {
            case metrics::StatKind::kRequest:
                g.requests[{scenario, EscapeLabelValue(key.task), EscapeLabelValue(key.name), EscapeLabelValue(key.group),
                            EscapedTags(key.tags)}]
                    .push_back(&stats);
                break;
            case metrics::StatKind::kTask: {
                auto& [ok, failed] = g.iterations[{scenario, EscapeLabelValue(key.task)}];
                const std::uint64_t good = std::min(stats.ok, stats.requests);
                ok += good;
                failed += stats.requests - good;
                break;
            }
            case metrics::StatKind::kScenario:
                g.dropped[scenario] += stats.dropped;
                break;
            default:
                break;
        }
    }
    for (const auto& [raw, counts] : snapshot.checks) {
        if (!metrics::ParseStatKey(raw, &key)) continue;
        g.checks[{EscapeLabelValue(key.scenario), EscapeLabelValue(key.task), EscapeLabelValue(key.name),
                  EscapeLabelValue(key.group)}] += counts;
    }
    return g;
}

// Cumulative bucket counts of one histogram, equal to Histogram::CountAtOrBelow(bound) for every bound but
// computed in one pass over the used counters (CountAtOrBelow rescans from the minimum on every call).
void AccumulateBuckets(const metrics::Histogram& h, std::array<std::uint64_t, kBucketBoundsUs.size()>* cumulative) {
    std::array<std::uint64_t, kBucketBoundsUs.size()> first_counted_at{};
    h.ForEachBucket([&](std::int64_t lowest_us, std::int64_t, std::uint64_t n) {
        // A counter is at or below a bound once its lowest value is (CountAtOrBelow's rule).
        const auto it = std::lower_bound(kBucketBoundsUs.begin(), kBucketBoundsUs.end(), lowest_us);
        if (it != kBucketBoundsUs.end()) first_counted_at[static_cast<size_t>(it - kBucketBoundsUs.begin())] += n;
    });
    std::uint64_t running = 0;
    for (size_t b = 0; b < kBucketBoundsUs.size(); ++b) {
        running += first_counted_at[b];
        (*cumulative)[b] += running;
    }
}

void AddHistogram(Family* family, const RequestKey& k, const std::vector<const metrics::RequestStats*>& stats,
                  metrics::Histogram metrics::RequestStats::*which) {
    const auto& [scenario, task, request, group, tags] = k;
    const std::initializer_list<Label> labels = {
        {"scenario", scenario}, {"task", task}, {"request", request}, {kGroupLabel, group}, {kTagsLabels, tags}};
    std::uint64_t count = 0;
    std::uint64_t sum_us = 0;
    std::array<std::uint64_t, kBucketBoundsUs.size()> buckets{};
    for (const metrics::RequestStats* s : stats) {
        count += (s->*which).Count();
        sum_us += (s->*which).Sum();
        AccumulateBuckets(s->*which, &buckets);
    }
    std::string value;
    for (size_t b = 0; b < kBucketBoundsUs.size(); ++b) {
        value.clear();
        AppendUint(&value, std::min(buckets[b], count));
        family->AddPart("_bucket", labels, {"le", kBucketLabels[b]}, value);
    }
    value.clear();
    AppendUint(&value, count);
    family->AddPart("_bucket", labels, {"le", "+Inf"}, value);
    std::string sum;
    AppendNumber(&sum, static_cast<double>(sum_us) / 1e6);
    family->AddPart("_sum", labels, {}, sum);
    family->AddPart("_count", labels, {}, value);
}

// The region families: one series per region from its total (issue 16).
std::string RenderRegions(const std::map<std::string, metrics::Snapshot>& regions) {
    Family requests("lsengine_region_requests_total", "counter", "Completed requests of the agents of a region.");
    Family errors("lsengine_region_request_errors_total", "counter", "Failed requests of the agents of a region.");
    Family response("lsengine_region_response_time_seconds", "histogram",
                    "Response time from the intended start (corrected for coordinated omission), per agent region.");
    for (const auto& [name, snap] : regions) {
        const std::string region = EscapeLabelValue(name);
        const metrics::RequestStats& t = snap.total;
        requests.AddUint({{"region", region}}, t.requests);
        errors.AddUint({{"region", region}}, t.ErrorCount());
        std::array<std::uint64_t, kBucketBoundsUs.size()> buckets{};
        AccumulateBuckets(t.response_time_us, &buckets);
        const std::uint64_t count = t.response_time_us.Count();
        std::string value;
        for (size_t b = 0; b < kBucketBoundsUs.size(); ++b) {
            value.clear();
            AppendUint(&value, std::min(buckets[b], count));
            response.AddPart("_bucket", {{"region", region}}, {"le", kBucketLabels[b]}, value);
        }
        value.clear();
        AppendUint(&value, count);
        response.AddPart("_bucket", {{"region", region}}, {"le", "+Inf"}, value);
        std::string sum;
        AppendNumber(&sum, static_cast<double>(t.response_time_us.Sum()) / 1e6);
        response.AddPart("_sum", {{"region", region}}, {}, sum);
        response.AddPart("_count", {{"region", region}}, {}, value);
    }
    return requests.Text() + errors.Text() + response.Text();
}

void RenderRequests(const Grouped& g, Family* requests, Family* errors, Family* duration, Family* response) {
    for (const auto& [k, stats] : g.requests) {
        const auto& [scenario, task, request, group, tags] = k;
        std::map<int, std::uint64_t> statuses;
        std::uint64_t other = 0;
        std::uint64_t failed = 0;  // completed attempts without a response
        std::array<std::uint64_t, kErrorKindCount> by_kind{};
        for (const metrics::RequestStats* s : stats) {
            s->statuses.ForEachNonZero([&](int code, std::uint64_t n) { statuses[code] += n; });
            other += s->statuses.Other();
            for (int i = 1; i < kErrorKindCount; ++i) {
                by_kind[static_cast<size_t>(i)] += s->errors_by_kind[static_cast<size_t>(i)];
                if (static_cast<ErrorKind>(i) != ErrorKind::kStatus) failed += s->errors_by_kind[static_cast<size_t>(i)];
            }
        }
        for (const auto& [code, n] : statuses) {
            const std::string status = std::to_string(code);
            requests->AddUint({{"scenario", scenario},
                               {"task", task},
                               {"request", request},
                               {kGroupLabel, group},
                               {kTagsLabels, tags},
                               {"status", status}},
                              n);
        }
        if (other != 0) {
            requests->AddUint({{"scenario", scenario},
                               {"task", task},
                               {"request", request},
                               {kGroupLabel, group},
                               {kTagsLabels, tags},
                               {"status", "other"}},
                              other);
        }
        if (failed != 0) {
            requests->AddUint({{"scenario", scenario},
                               {"task", task},
                               {"request", request},
                               {kGroupLabel, group},
                               {kTagsLabels, tags},
                               {"status", "error"}},
                              failed);
        }
        for (int i = 1; i < kErrorKindCount; ++i) {
            const std::uint64_t n = by_kind[static_cast<size_t>(i)];
            if (n == 0) continue;
            errors->AddUint({{"scenario", scenario},
                             {"task", task},
                             {"request", request},
                             {kGroupLabel, group},
                             {kTagsLabels, tags},
                             {"kind", ErrorKindName(static_cast<ErrorKind>(i))}},
                            n);
        }
        AddHistogram(duration, k, stats, &metrics::RequestStats::service_time_us);
        AddHistogram(response, k, stats, &metrics::RequestStats::response_time_us);
    }
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
    std::string redacted;  // -e/--env-file secrets (issue 15): masked before escaping
    if (HasSecretValues()) value = redacted = RedactSecretValues(value);
    std::string out;
    out.reserve(value.size());
    size_t i = 0;
    while (i < value.size()) {
        const char c = value[i];
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            out += '?';
        } else {
            const size_t len = Utf8SequenceLength(value, i);
            if (len == 0) {
                out += '?';
            } else {
                out.append(value.substr(i, len));
                i += len;
                continue;
            }
        }
        ++i;
    }
    return out;
}

std::string RenderExposition(const ExpositionInput& in) {
    Family info("lsengine_run_info", "gauge", "Always 1; labels describe the run (scenario script, target).");
    Family elapsed("lsengine_run_elapsed_seconds", "gauge", "Time since the load phase started.");
    Family duration_total("lsengine_run_duration_seconds", "gauge", "Planned length of the load phase.");
    Family finished("lsengine_run_finished", "gauge", "1 once the run ended (values are final), else 0.");
    Family target_rps("lsengine_target_rps", "gauge", "Arrivals per second the schedule asks for (open model).");
    Family vusers("lsengine_active_vusers", "gauge", "Virtual users currently hosted.");
    Family agents("lsengine_agents", "gauge", "Agents of a distributed run by state.");
    Family thresholds("lsengine_thresholds_failed", "gauge", "Thresholds that failed; present once the run ended.");
    Family requests("lsengine_requests_total", "counter",
                    "Completed requests by status code (\"error\": no response, see lsengine_request_errors_total).");
    Family errors("lsengine_request_errors_total", "counter", "Failed requests by kind of failure.");
    Family duration("lsengine_request_duration_seconds", "histogram",
                    "Service time: request sent to response complete.");
    Family response("lsengine_response_time_seconds", "histogram",
                    "Response time from the intended start (corrected for coordinated omission).");
    Family iterations("lsengine_iterations_total", "counter", "Task iterations by result.");
    Family dropped("lsengine_dropped_arrivals_total", "counter", "Arrivals that could not start in time.");
    Family checks("lsengine_checks_total", "counter", "Check results.");
    Family decoded("lsengine_bytes_decoded_total", "counter",
                   "Size of the compressed response bodies that were decoded (read by a script or an extraction), "
                   "after decoding.");
    bool any_decoded = false;  // the family is written only when some body was decoded: other runs' text is as before

    const std::string script = EscapeLabelValue(in.script);
    const std::string target = EscapeLabelValue(in.target);
    info.AddUint({{"script", script}, {"target", target}}, 1);
    elapsed.AddDouble({}, in.elapsed_seconds);
    duration_total.AddDouble({}, in.duration_seconds);
    finished.AddUint({}, in.finished ? 1 : 0);
    target_rps.AddDouble({}, in.target_rps);
    vusers.AddUint({}, static_cast<std::uint64_t>(std::max(in.active_vusers, 0)));
    if (in.distributed || !in.agent_states.empty()) {
        // The usual states always appear (possibly 0), so a state that empties shows 0 instead of going stale.
        std::map<std::string, std::uint64_t> by_state = {{"active", 0}, {"timed out", 0}, {"recovered", 0},
                                                         {"rejoined", 0}};
        for (const std::string& s : in.agent_states) ++by_state[EscapeLabelValue(s)];
        for (const auto& [state, n] : by_state) agents.AddUint({{"state", state}}, n);
    }
    if (in.thresholds_failed >= 0) thresholds.AddUint({}, static_cast<std::uint64_t>(in.thresholds_failed));

    if (in.cumulative != nullptr) {
        const Grouped g = Group(*in.cumulative);
        RenderRequests(g, &requests, &errors, &duration, &response);
        for (const auto& [k, stats] : g.requests) {
            std::uint64_t bytes = 0;
            for (const metrics::RequestStats* s : stats) bytes += s->bytes_decoded;
            if (bytes == 0) continue;
            const auto& [scenario, task, request, group, tags] = k;
            decoded.AddUint({{"scenario", scenario}, {"task", task}, {"request", request}, {kGroupLabel, group},
                             {kTagsLabels, tags}},
                            bytes);
            any_decoded = true;
        }
        for (const auto& [k, n] : g.iterations) {
            iterations.AddUint({{"scenario", k.first}, {"task", k.second}, {"result", "ok"}}, n.first);
            iterations.AddUint({{"scenario", k.first}, {"task", k.second}, {"result", "failed"}}, n.second);
        }
        for (const auto& [scenario, n] : g.dropped) dropped.AddUint({{"scenario", scenario}}, n);
        for (const auto& [k, c] : g.checks) {
            const auto& [scenario, task, check, group] = k;  // group: only on checks made in group(), like requests
            checks.AddUint(
                {{"scenario", scenario}, {"task", task}, {"check", check}, {kGroupLabel, group}, {"result", "pass"}},
                c.passes);
            checks.AddUint(
                {{"scenario", scenario}, {"task", task}, {"check", check}, {kGroupLabel, group}, {"result", "fail"}},
                c.fails);
        }
    }

    std::string out;
    for (const Family* f : {&info, &elapsed, &duration_total, &finished, &target_rps, &vusers, &agents, &thresholds,
                            &requests, &errors, &duration, &response, &iterations, &dropped, &checks}) {
        out += f->Text();
    }
    if (any_decoded) out += decoded.Text();
    // The load generators' own health: is lsengine itself the bottleneck?
    out += detail::RenderGeneratorFamilies(in.cumulative, in.generator_gauges);
    if (in.regions != nullptr && !in.regions->empty()) out += RenderRegions(*in.regions);
    // The script's own metrics (lsengine.metrics.*) after the built-in families; nothing without any.
    if (in.cumulative != nullptr) out += detail::RenderCustomMetricFamilies(*in.cumulative);
    return out;
}

}  // namespace lse::prometheus
