#include "lse/report/compare.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>

#include "lse/core/did_you_mean.hpp"
#include "lse/core/errors.hpp"
#include "lse/report/custom_metrics_report.hpp"
#include "lse/report/summary_model.hpp"
#include "lse/report/summary_json.hpp"
#include "lse/report/text_summary.hpp"

namespace lse::report {
namespace {

using nlohmann::json;

constexpr CompareMetric kAllMetrics[] = {CompareMetric::kP50,       CompareMetric::kP95, CompareMetric::kP99,
                                         CompareMetric::kMax,       CompareMetric::kErrorRate,
                                         CompareMetric::kRps,       CompareMetric::kChecks,
                                         CompareMetric::kDropped};

bool IsLatency(CompareMetric m) {
    return m == CompareMetric::kP50 || m == CompareMetric::kP95 || m == CompareMetric::kP99 ||
           m == CompareMetric::kMax;
}

// Rates are shown in percentage points; everything else as a relative change.
bool IsRate(CompareMetric m) { return m == CompareMetric::kErrorRate || m == CompareMetric::kChecks; }

// Reads a number that may be missing or of another type in a hand-edited file: never throws.
std::optional<double> Number(const json& j, const char* key) {
    if (!j.is_object()) return std::nullopt;
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
}

const json& Member(const json& j, const char* key) {
    static const json kNull;
    if (!j.is_object()) return kNull;
    const auto it = j.find(key);
    return it == j.end() ? kNull : *it;
}

std::string Text(const json& j, const char* key) {
    const json& v = Member(j, key);
    return v.is_string() ? v.get<std::string>() : std::string();
}

// The values of one row in display units, indexed by CompareMetric.
using RowValues = std::array<std::optional<double>, kCompareMetricCount>;

void SetValue(RowValues* v, CompareMetric m, std::optional<double> value) {
    (*v)[static_cast<std::size_t>(m)] = value;
}

// Latencies, error rate and rps of a Stats object (summary_json.hpp).
RowValues StatsValues(const json& stats) {
    RowValues v;
    const json& latency = Member(stats, "response_time_us");
    if (Number(latency, "count").value_or(0) > 0) {
        SetValue(&v, CompareMetric::kP50, Number(latency, "p50"));
        SetValue(&v, CompareMetric::kP95, Number(latency, "p95"));
        SetValue(&v, CompareMetric::kP99, Number(latency, "p99"));
        SetValue(&v, CompareMetric::kMax, Number(latency, "max"));
    }
    if (Number(stats, "requests").value_or(0) > 0) {
        const std::optional<double> rate = Number(stats, "error_rate");
        if (rate) SetValue(&v, CompareMetric::kErrorRate, *rate * 100.0);
    }
    SetValue(&v, CompareMetric::kRps, Number(stats, "rps"));
    return v;
}

RowValues ScenarioValues(const json& scenario) {
    RowValues v = StatsValues(Member(scenario, "totals"));
    double passes = 0, fails = 0;
    for (const json& c : Member(scenario, "checks")) {
        passes += Number(c, "passes").value_or(0);
        fails += Number(c, "fails").value_or(0);
    }
    if (passes + fails > 0) SetValue(&v, CompareMetric::kChecks, 100.0 * passes / (passes + fails));
    SetValue(&v, CompareMetric::kDropped, Number(scenario, "dropped"));
    return v;
}

const json* FindByName(const json& list, const std::string& name) {
    if (!list.is_array()) return nullptr;
    for (const json& item : list) {
        if (Text(item, "name") == name) return &item;
    }
    return nullptr;
}

// A request row's identity: its name, qualified by its group (group(), issue 15) when it has one, so the same
// request inside and outside a group are compared as the different rows they are ("checkout > POST /cart").
// Tags (issue 15) qualify it too, as the text summary shows them: "POST /cart {env=staging}".
std::string RequestLabel(const json& row) {
    const std::string group = Text(row, "group");
    std::string label = group.empty() ? Text(row, "name") : group + " > " + Text(row, "name");
    const auto tags = row.find("tags");
    if (tags != row.end() && tags->is_object() && !tags->empty()) {
        char sep = '{';
        label += ' ';
        for (const auto& [k, v] : tags->items()) {  // keys in order: the canonical form's order
            label += sep;
            label += k + "=" + (v.is_string() ? v.get<std::string>() : v.dump());
            sep = ',';
        }
        label += '}';
    }
    return label;
}

const json* FindRequest(const json& list, const std::string& label) {
    if (!list.is_array()) return nullptr;
    for (const json& item : list) {
        if (RequestLabel(item) == label) return &item;
    }
    return nullptr;
}

MetricDelta Judge(CompareMetric m, std::optional<double> base, std::optional<double> now, const CompareOptions& opt) {
    MetricDelta d;
    d.metric = m;
    d.base = base;
    d.now = now;
    if (!base || !now) return d;
    if (*base != 0) d.change_percent = (*now - *base) / std::fabs(*base) * 100.0;
    // "Badness" moves up when the metric gets worse. Checks are judged on their failing share so that a
    // pass rate of 100% -> 95% is a 0 -> 5 points jump (a regression), not a 5% relative dip.
    double base_bad = *base, now_bad = *now;
    if (m == CompareMetric::kChecks) {
        base_bad = 100.0 - *base;
        now_bad = 100.0 - *now;
    } else if (!HigherIsWorse(m)) {
        base_bad = -*base;
        now_bad = -*now;
    }
    const double worse_by = now_bad - base_bad;
    const double reference = std::fabs(m == CompareMetric::kChecks ? base_bad : *base);
    const auto beyond = [&](double amount) {
        if (amount <= AbsoluteFloor(m)) return false;
        return reference == 0 || amount / reference * 100.0 > opt.tolerance_percent;
    };
    if (beyond(worse_by)) {
        bool counts = opt.fail_on.empty();
        for (CompareMetric f : opt.fail_on) counts = counts || f == m;
        d.verdict = counts ? CompareVerdict::kRegression : CompareVerdict::kWorse;
    } else if (beyond(-worse_by)) {
        d.verdict = CompareVerdict::kBetter;
    }
    return d;
}

CompareRow MakeRow(std::string scenario, std::string request, const RowValues& base, const RowValues& now,
                   const CompareOptions& opt) {
    CompareRow row{std::move(scenario), std::move(request), {}};
    for (CompareMetric m : kAllMetrics) {
        const std::size_t i = static_cast<std::size_t>(m);
        if (!base[i] && !now[i]) continue;  // nothing on either side: not worth a line
        row.metrics.push_back(Judge(m, base[i], now[i], opt));
    }
    return row;
}

std::string Printf(const char* fmt, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, fmt, v);
    return buf;
}

std::string FormatValue(CompareMetric m, std::optional<double> v) {
    if (!v) return "-";
    if (IsLatency(m)) return FormatMicros(std::llround(*v));
    if (IsRate(m)) return Printf("%.2f%%", *v);
    if (m == CompareMetric::kRps) return Printf("%.1f", *v);
    return Printf("%.0f", *v);
}

std::string FormatChange(const MetricDelta& d) {
    if (!d.base || !d.now) return "-";
    if (IsRate(d.metric)) return Printf("%+.2fpt", *d.now - *d.base);
    if (d.change_percent) return Printf("%+.1f%%", *d.change_percent);
    return *d.now == 0 ? "+0.0%" : "from 0";
}

std::string Pad(std::string s, std::size_t width, bool right) {
    if (s.size() >= width) return s;
    return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

// The numbers of a custom metric worth comparing, by kind (custom_metrics_report.hpp names the keys).
std::vector<const char*> CustomFields(const std::string& kind) {
    if (kind == "counter") return {"count", "rate"};
    if (kind == "gauge") return {"value", "max"};
    if (kind == "rate") return {"rate"};
    if (kind == "trend") return {"p50", "p95", "p99", "max"};
    return {};
}

void CompareCustomMetrics(const json& base, const json& now, Comparison* out) {
    const json& base_metrics = Member(base, "custom_metrics");
    const json& new_metrics = Member(now, "custom_metrics");
    if (new_metrics.is_object()) {
        for (const auto& [name, m] : new_metrics.items()) {
            const json& b = Member(base_metrics, name.c_str());
            if (!b.is_object()) {
                out->notes.push_back("custom metric '" + name + "' is only in NEW");
                continue;
            }
            const std::string kind = Text(m, "kind");
            if (Text(b, "kind") != kind) {
                out->notes.push_back("custom metric '" + name + "' is a " + Text(b, "kind") + " in BASE and a " + kind +
                                     " in NEW: not compared");
                continue;
            }
            for (const char* field : CustomFields(kind)) {
                CustomMetricDelta d{name, kind, field, Number(b, field), Number(m, field), std::nullopt};
                if (d.base && d.now && *d.base != 0) d.change_percent = (*d.now - *d.base) / std::fabs(*d.base) * 100.0;
                out->custom.push_back(std::move(d));
            }
        }
    }
    if (base_metrics.is_object()) {
        for (const auto& [name, m] : base_metrics.items()) {
            if (!Member(new_metrics, name.c_str()).is_object()) {
                out->notes.push_back("custom metric '" + name + "' is only in BASE");
            }
        }
    }
}

std::string CustomValue(const CustomMetricDelta& d, std::optional<double> v) {
    if (!v) return "-";
    if (d.kind == "rate") return Printf("%.2f%%", *v * 100.0);
    return FormatCustomValue(*v);
}

std::string CustomChange(const CustomMetricDelta& d) {
    if (!d.base || !d.now) return "-";
    if (d.kind == "rate") return Printf("%+.2fpt", (*d.now - *d.base) * 100.0);
    if (d.change_percent) return Printf("%+.1f%%", *d.change_percent);
    return *d.now == 0 ? "+0.0%" : "from 0";
}

void PrintCustomMetricDeltas(std::ostream& out, const std::vector<CustomMetricDelta>& deltas) {
    if (deltas.empty()) return;
    out << "\ncustom metrics (shown, never judged: only the script knows which way is better)\n";
    out << "  " << Pad("metric", 36, false) << Pad("base", 14, true) << Pad("new", 14, true)
        << Pad("change", 12, true) << "\n";
    for (const CustomMetricDelta& d : deltas) {
        out << "  " << Pad(Printable(d.name) + " (" + d.kind + ") " + d.field, 36, false)
            << Pad(CustomValue(d, d.base), 14, true) << Pad(CustomValue(d, d.now), 14, true)
            << Pad(CustomChange(d), 12, true) << "\n";
    }
}

std::string RowLabel(const CompareRow& row) {
    std::string label = "scenario '" + row.scenario + "'";
    return row.request.empty() ? label + ": all load requests" : label + ": request '" + row.request + "'";
}

}  // namespace

std::string_view CompareMetricName(CompareMetric metric) noexcept {
    switch (metric) {
        case CompareMetric::kP50: return "p50";
        case CompareMetric::kP95: return "p95";
        case CompareMetric::kP99: return "p99";
        case CompareMetric::kMax: return "max";
        case CompareMetric::kErrorRate: return "error_rate";
        case CompareMetric::kRps: return "rps";
        case CompareMetric::kChecks: return "checks";
        case CompareMetric::kDropped: return "dropped";
        default: return "?";
    }
}

bool HigherIsWorse(CompareMetric metric) noexcept {
    return metric != CompareMetric::kRps && metric != CompareMetric::kChecks;
}

double AbsoluteFloor(CompareMetric metric) noexcept {
    return IsRate(metric) ? 0.1 : 0.0;
}

std::string_view CompareVerdictName(CompareVerdict verdict) noexcept {
    switch (verdict) {
        case CompareVerdict::kOk: return "ok";
        case CompareVerdict::kBetter: return "better";
        case CompareVerdict::kWorse: return "worse";
        case CompareVerdict::kRegression: return "REGRESSION";
        default: return "?";
    }
}

std::vector<CompareMetric> ParseFailOn(const std::vector<std::string>& names) {
    std::vector<std::string> known;
    for (CompareMetric m : kAllMetrics) known.emplace_back(CompareMetricName(m));
    std::vector<CompareMetric> out;
    for (const std::string& name : names) {
        bool found = false;
        for (CompareMetric m : kAllMetrics) {
            if (name != CompareMetricName(m)) continue;
            out.push_back(m);
            found = true;
        }
        if (!found) {
            std::string all;
            for (const auto& k : known) all += (all.empty() ? "" : ", ") + k;
            throw UsageError("--fail-on: unknown metric '" + name + "'" + DidYouMeanSuffix(name, known) +
                             " (metrics: " + all + ")");
        }
    }
    return out;
}

double ParseTolerance(std::string_view text) {
    const std::string s(text);
    if (s.empty()) throw UsageError("--tolerance: empty value (e.g. --tolerance 10%)");
    char* end = nullptr;
    const double v = std::strtod(s.c_str(), &end);
    if (end == s.c_str()) throw UsageError("--tolerance '" + s + "': not a percentage (e.g. 10%)");
    const std::string rest(end);
    if (rest.empty()) throw UsageError("--tolerance '" + s + "': missing '%' (did you mean " + s + "%?)");
    if (rest != "%") throw UsageError("--tolerance '" + s + "': not a percentage (e.g. 10%)");
    if (!std::isfinite(v) || v < 0) throw UsageError("--tolerance '" + s + "': must be >= 0%");
    return v;
}

void ValidateSummary(const json& summary, const std::string& file) {
    if (!summary.is_object() || !summary.contains("version")) {
        throw UsageError(file + ": not a --summary-json file (no \"version\")");
    }
    const json& version = summary["version"];
    if (!version.is_number_integer()) {
        throw UsageError(file + ": not a --summary-json file (\"version\" is not an integer)");
    }
    // Versions 2 and 3 only added fields (errors, arrivals, groups, custom metrics; generators): this reads all.
    const std::int64_t v = version.get<std::int64_t>();
    if (v < 1 || v > kSummaryJsonVersion) {
        throw UsageError(file + ": summary version " + std::to_string(v) +
                         " is not supported (this lsengine reads versions 1 to " + std::to_string(kSummaryJsonVersion) +
                         ")");
    }
    if (!Member(summary, "scenarios").is_array() || !Member(summary, "totals").is_object()) {
        throw UsageError(file + ": not a --summary-json file (no \"scenarios\" list or \"totals\")");
    }
}

json LoadSummaryFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw UsageError(path + ": cannot read the file (" + std::strerror(errno) + ")");
    json j = json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) throw UsageError(path + ": not valid JSON (expected a --summary-json file)");
    ValidateSummary(j, path);
    return j;
}

Comparison CompareSummaries(const json& base, const json& now, const CompareOptions& options) {
    Comparison out;
    out.tolerance_percent = options.tolerance_percent;
    if (Member(base, "interrupted") == true) out.notes.push_back("BASE run was interrupted (Ctrl-C)");
    if (Member(now, "interrupted") == true) out.notes.push_back("NEW run was interrupted (Ctrl-C)");
    std::set<std::string> seen;
    for (const json& s : Member(now, "scenarios")) {
        const std::string name = Text(s, "name");
        seen.insert(name);
        const json* b = FindByName(Member(base, "scenarios"), name);
        if (b == nullptr) {
            out.notes.push_back("scenario '" + name + "' is only in NEW");
            continue;
        }
        out.rows.push_back(MakeRow(name, "", ScenarioValues(*b), ScenarioValues(s), options));
        std::set<std::string> seen_requests;
        for (const json& r : Member(s, "requests")) {
            const std::string request = RequestLabel(r);
            seen_requests.insert(request);
            const json* br = FindRequest(Member(*b, "requests"), request);
            if (br == nullptr) {
                out.notes.push_back("scenario '" + name + "': request '" + request + "' is only in NEW");
                continue;
            }
            out.rows.push_back(MakeRow(name, request, StatsValues(*br), StatsValues(r), options));
        }
        for (const json& br : Member(*b, "requests")) {
            const std::string request = RequestLabel(br);
            if (seen_requests.count(request) == 0) {
                out.notes.push_back("scenario '" + name + "': request '" + request + "' is only in BASE");
            }
        }
    }
    for (const json& s : Member(base, "scenarios")) {
        const std::string name = Text(s, "name");
        if (seen.count(name) == 0) out.notes.push_back("scenario '" + name + "' is only in BASE");
    }
    CompareCustomMetrics(base, now, &out);
    for (const CompareRow& row : out.rows) {
        for (const MetricDelta& d : row.metrics) out.regressions += d.verdict == CompareVerdict::kRegression;
    }
    return out;
}

void PrintComparison(std::ostream& out, const Comparison& c, std::string_view base_label,
                     std::string_view new_label) {
    out << "comparing BASE " << base_label << "\n       with NEW " << new_label << "\n";
    out << "tolerance " << Printf("%g", c.tolerance_percent) << "% (error_rate and checks: change in points)\n";
    std::vector<std::string> regressed;
    for (const CompareRow& row : c.rows) {
        out << "\n" << RowLabel(row) << "\n";
        out << "  " << Pad("metric", 12, false) << Pad("base", 14, true) << Pad("new", 14, true)
            << Pad("change", 12, true) << "  verdict\n";
        for (const MetricDelta& d : row.metrics) {
            const std::string_view name = CompareMetricName(d.metric);
            out << "  " << Pad(std::string(name), 12, false) << Pad(FormatValue(d.metric, d.base), 14, true)
                << Pad(FormatValue(d.metric, d.now), 14, true) << Pad(FormatChange(d), 12, true) << "  "
                << CompareVerdictName(d.verdict) << "\n";
            if (d.verdict == CompareVerdict::kRegression) {
                regressed.push_back(row.scenario + (row.request.empty() ? "" : " [" + row.request + "]") + " " +
                                    std::string(name));
            }
        }
    }
    PrintCustomMetricDeltas(out, c.custom);
    if (!c.notes.empty()) {
        out << "\nnotes:\n";
        for (const std::string& n : c.notes) out << "  - " << n << "\n";
    }
    out << "\n";
    if (regressed.empty()) {
        out << "no regression\n";
        return;
    }
    out << regressed.size() << (regressed.size() == 1 ? " regression: " : " regressions: ");
    for (std::size_t i = 0; i < regressed.size(); ++i) out << (i == 0 ? "" : ", ") << regressed[i];
    out << "\n";
}

}  // namespace lse::report
