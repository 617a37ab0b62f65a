#include "lse/report/region_live_lines.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

#include "lse/report/progress_line.hpp"
#include "lse/report/summary_model.hpp"
#include "lse/report/text_summary.hpp"

namespace lse::report {
namespace {

// Region names longer than this are cut, so the numbers of every line start in the same column.
constexpr std::size_t kMaxNameWidth = 16;

// "no data": nothing of the region arrived for these seconds (its agents sent no request, or did not report yet).
std::string Stats(const metrics::Snapshot& s, double secs) {
    const metrics::RequestStats& t = s.total;
    if (t.requests == 0 && !TaskIterations(s).has_value()) return "no data";
    char buf[160];
    std::string out;
    // Arrivals are task iterations in a scripted run (what the target counts); URL mode has requests only.
    if (const std::optional<std::uint64_t> iterations = TaskIterations(s)) {
        std::snprintf(buf, sizeof buf, "it/s %.1f   ", static_cast<double>(*iterations) / secs);
        out += buf;
    }
    std::snprintf(buf, sizeof buf, "rps %.1f", static_cast<double>(t.requests) / secs);
    out += buf;
    const metrics::Histogram& h = t.response_time_us;
    if (h.Count() > 0) {
        out += "   p50 " + FormatMicros(h.ValueAtPercentile(50)) + "  p95 " + FormatMicros(h.ValueAtPercentile(95)) +
               "  p99 " + FormatMicros(h.ValueAtPercentile(99));
    }
    std::snprintf(buf, sizeof buf, "   errors %.2f%%", t.ErrorRate() * 100.0);
    return out + buf;
}

std::string Line(const std::string& label, std::size_t name_width, const std::string& stats, std::size_t width) {
    std::string name = label.size() > name_width ? label.substr(0, name_width - 1) + "~" : label;
    name.resize(name_width, ' ');
    std::string line = "  region " + name + "  " + stats;
    if (line.size() > width && width > 1) {
        line.resize(width - 1);
        line += "~";
    }
    return line;
}

}  // namespace

std::vector<std::string> RegionLiveLines(const thresholds::RegionSnapshots& interval,
                                         const thresholds::RegionSnapshots* known, double secs, std::size_t width,
                                         std::size_t max_rows) {
    std::vector<std::string> names;
    for (const auto& [name, s] : interval) names.push_back(name);
    if (known != nullptr) {
        for (const auto& [name, s] : *known) {
            if (!interval.contains(name)) names.push_back(name);
        }
    }
    std::sort(names.begin(), names.end());
    if (names.empty()) return {};
    if (secs <= 0) secs = 1;
    const std::size_t shown = std::min(names.size(), std::max<std::size_t>(1, max_rows));
    std::size_t name_width = 4;
    for (std::size_t i = 0; i < shown; ++i) name_width = std::max(name_width, Printable(names[i]).size());
    name_width = std::min(name_width, kMaxNameWidth);

    const metrics::Snapshot none;
    std::vector<std::string> lines;
    for (std::size_t i = 0; i < shown; ++i) {
        const auto it = interval.find(names[i]);
        lines.push_back(Line(Printable(names[i]), name_width, Stats(it == interval.end() ? none : it->second, secs),
                             width));
    }
    if (names.size() > shown) {
        metrics::Snapshot rest;
        for (std::size_t i = shown; i < names.size(); ++i) {
            if (const auto it = interval.find(names[i]); it != interval.end()) rest += it->second;
        }
        const std::string label = "+" + std::to_string(names.size() - shown) + " more";
        lines.push_back(Line(label, std::max(name_width, label.size()), Stats(rest, secs), width));
    }
    return lines;
}

}  // namespace lse::report
