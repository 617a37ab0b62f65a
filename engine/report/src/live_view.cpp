#include "lse/report/live_view.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "lse/metrics/stat_key.hpp"
#include "lse/report/generator_health_report.hpp"
#include "lse/report/progress_line.hpp"
#include "lse/report/region_live_lines.hpp"
#include "lse/report/summary_model.hpp"
#include "lse/report/text_summary.hpp"

namespace lse::report {
namespace {

constexpr int kBarWidth = 30;
// A log's region lines: wide enough for every number, and every region of a run (weights name a handful).
constexpr std::size_t kLogLineWidth = 160;
constexpr std::size_t kLogRegionRows = 32;

double IntervalSeconds(const metrics::Snapshot& s) {
    return s.HasInterval() ? static_cast<double>(s.end_ns - s.start_ns) / 1e9 : 1.0;
}

std::string Format(const char* fmt, auto... args) {
    char buf[256];
    std::snprintf(buf, sizeof buf, fmt, args...);
    return buf;
}

std::string Seconds(std::int64_t ns) { return std::to_string(ns / 1'000'000'000) + "s"; }

// Fits `s` into `width` columns, cutting the end with '~' when it is longer.
std::string Fit(std::string s, size_t width) {
    if (s.size() <= width) return s;
    if (width == 0) return {};
    s.resize(width - 1);
    return s + "~";
}

struct TaskRow {
    std::string label;
    metrics::RequestStats stats;
};

std::vector<TaskRow> TaskRows(const metrics::Snapshot& interval, bool qualify) {
    std::vector<TaskRow> rows;
    metrics::StatKey key;
    for (const auto& [name, stats] : interval.by_name) {
        if (!metrics::ParseStatKey(name, &key) || key.kind != metrics::StatKind::kTask) continue;
        rows.push_back({Printable(qualify ? key.scenario + "/" + key.task : key.task), stats});
    }
    return rows;
}

}  // namespace

LiveMode DetectLiveMode(bool quiet, int fd) {
    if (quiet) return LiveMode::kOff;
    const char* term = std::getenv("TERM");
    if (isatty(fd) == 1 && term != nullptr && std::strcmp(term, "dumb") != 0) return LiveMode::kFrame;
    return LiveMode::kLines;
}

std::vector<std::string> RenderLiveFrame(const RunDescription& run, const IntervalUpdate& u,
                                         const LiveViewOptions& options) {
    std::vector<std::string> lines;
    const double secs = IntervalSeconds(u.interval);
    const metrics::RequestStats& t = u.interval.total;

    // 1: phase, progress bar, elapsed / total.
    const double done = u.total_ns > 0 ? std::clamp(static_cast<double>(u.elapsed_ns) / u.total_ns, 0.0, 1.0) : 0;
    const int filled = static_cast<int>(done * kBarWidth + 0.5);
    std::string bar(static_cast<size_t>(filled), '=');
    bar.resize(kBarWidth, ' ');
    lines.push_back(Format("%-9s [%s] %6s / %-6s %3d%%", u.phase.empty() ? "running" : u.phase.c_str(), bar.c_str(),
                           Seconds(u.elapsed_ns).c_str(), Seconds(u.total_ns).c_str(),
                           static_cast<int>(done * 100 + 0.5)));

    // 2: rate, latency of the last interval, errors, dropped, virtual users.
    // The target counts arrivals (task iterations); requests per second follow when tasks are known.
    std::string rate;
    if (const std::optional<std::uint64_t> iterations = TaskIterations(u.interval)) {
        rate = Format("it/s %.1f", static_cast<double>(*iterations) / secs);
        if (u.target_rps > 0) rate += Format(" / %.1f target", u.target_rps);
        rate += Format("   rps %.1f", static_cast<double>(t.requests) / secs);
    } else {
        rate = Format("rps %.1f", static_cast<double>(t.requests) / secs);
        if (u.target_rps > 0) rate += Format(" / %.1f target", u.target_rps);
    }
    const metrics::Histogram& h = t.response_time_us;
    std::string line2 = rate + "   p50 " + FormatMicros(h.ValueAtPercentile(50)) + "  p95 " +
                        FormatMicros(h.ValueAtPercentile(95)) + "  p99 " + FormatMicros(h.ValueAtPercentile(99)) +
                        Format("   errors %.2f%%", t.ErrorRate() * 100.0) +
                        Format("   dropped %llu", static_cast<unsigned long long>(t.dropped));
    if (u.active_vusers > 0) line2 += Format("   vusers %d", u.active_vusers);
    lines.push_back(line2);

    // Task rows: iterations per second, p95 iteration time and failures in the last interval.
    std::vector<TaskRow> rows = TaskRows(u.interval, run.scenarios.size() > 1);
    if (!rows.empty()) {
        const size_t name_width = static_cast<size_t>(std::max(12, options.width - 40));
        lines.push_back(Format("  %-*s %10s %10s %8s", static_cast<int>(name_width), "task", "it/s", "p95", "failed"));
        const size_t shown = std::min(rows.size(), static_cast<size_t>(std::max(1, options.max_task_rows)));
        auto row_line = [&](const std::string& label, const metrics::RequestStats& s) {
            const std::uint64_t failed = s.requests - std::min(s.ok, s.requests);
            const double pct = s.requests == 0 ? 0 : 100.0 * static_cast<double>(failed) / s.requests;
            return Format("  %-*s %10.1f %10s %7.1f%%", static_cast<int>(name_width), Fit(label, name_width).c_str(),
                          static_cast<double>(s.requests) / secs,
                          FormatMicros(s.service_time_us.ValueAtPercentile(95)).c_str(), pct);
        };
        for (size_t i = 0; i < shown; ++i) lines.push_back(row_line(rows[i].label, rows[i].stats));
        if (rows.size() > shown) {
            metrics::RequestStats rest;
            for (size_t i = shown; i < rows.size(); ++i) rest += rows[i].stats;
            lines.push_back(row_line("+" + std::to_string(rows.size() - shown) + " more", rest));
        }
    }

    // The load generators' own health in this interval: is lsengine itself the bottleneck?
    for (std::string& line : GeneratorLiveLines(u.interval, static_cast<size_t>(options.width),
                                                static_cast<size_t>(std::max(1, options.max_task_rows)))) {
        lines.push_back(std::move(line));
    }

    // Agents with --region: how each region's load went in this interval.
    if (u.regions != nullptr) {
        const size_t max_rows = static_cast<size_t>(std::max(1, options.max_task_rows));
        for (std::string& line :
             RegionLiveLines(*u.regions, u.cumulative_regions, secs, static_cast<size_t>(options.width), max_rows)) {
            lines.push_back(std::move(line));
        }
    }

    // Agents by state, in the order states first appear.
    if (!u.agents.empty()) {
        std::vector<std::pair<std::string, int>> states;
        for (const AgentStatus& a : u.agents) {
            auto it = std::find_if(states.begin(), states.end(), [&](const auto& p) { return p.first == a.state; });
            if (it == states.end()) {
                states.emplace_back(a.state, 1);
            } else {
                ++it->second;
            }
        }
        std::string line = "agents";
        for (const auto& [state, n] : states) line += Format("   %d %s", n, state.c_str());
        std::string lost;
        for (const AgentStatus& a : u.agents) {
            if (a.state != "active") lost += (lost.empty() ? "" : ", ") + a.id + " " + a.state;
        }
        if (!lost.empty()) line += "   (" + lost + ")";
        lines.push_back(Fit(line, static_cast<size_t>(options.width)));
    }
    return lines;
}

LiveView::LiveView(std::ostream& out, LiveViewOptions options) : out_(out), options_(options) {}

void LiveView::OnStart(const RunDescription& run) { run_ = run; }

void LiveView::OnInterval(const IntervalUpdate& update) {
    last_elapsed_ns_ = update.elapsed_ns;
    last_total_ns_ = update.total_ns;
    switch (options_.mode) {
        case LiveMode::kFrame: {
            const std::vector<std::string> lines = RenderLiveFrame(run_, update, options_);
            // Back to the first line of the previous frame, clear to the end of the screen, draw again.
            if (lines_drawn_ > 0) out_ << "\x1b[" << lines_drawn_ << "F\x1b[J";
            for (const std::string& l : lines) out_ << l << "\n";
            out_.flush();
            lines_drawn_ = static_cast<int>(lines.size());
            break;
        }
        case LiveMode::kLines:
            pending_ += update.interval;
            pending_target_sum_ += update.target_rps;
            ++pending_intervals_;
            // Every region seen so far gets a line, also one without requests in this window.
            if (update.cumulative_regions != nullptr) {
                for (const auto& [name, cumulative] : *update.cumulative_regions) pending_regions_.try_emplace(name);
            }
            if (update.regions != nullptr) {
                for (const auto& [name, interval] : *update.regions) pending_regions_[name] += interval;
            }
            if (update.elapsed_ns - last_line_ns_ >= options_.line_every_ns) PrintLine(update.elapsed_ns, update.total_ns);
            break;
        case LiveMode::kOff:
        case LiveMode::kCount: break;
    }
}

void LiveView::OnEnd(const RunOutcome&) {
    // The last frame stays on screen above the summary; a log gets its last, partial window.
    if (options_.mode == LiveMode::kLines && pending_intervals_ > 0) PrintLine(last_elapsed_ns_, last_total_ns_);
}

void LiveView::PrintLine(std::int64_t elapsed_ns, std::int64_t total_ns) {
    // Snapshots without bounds still count as about a second each, so the rate stays per second.
    if (!pending_.HasInterval()) pending_.end_ns = pending_.start_ns + pending_intervals_ * 1'000'000'000LL;
    out_ << ProgressLine(pending_, elapsed_ns, total_ns, pending_target_sum_ / pending_intervals_) << "\n";
    const double secs = static_cast<double>(pending_.end_ns - pending_.start_ns) / 1e9;
    for (const std::string& line : RegionLiveLines(pending_regions_, nullptr, secs, kLogLineWidth, kLogRegionRows)) {
        out_ << line << "\n";
    }
    for (auto& [name, region] : pending_regions_) region = metrics::Snapshot{};  // known regions stay listed
    out_.flush();
    pending_ = metrics::Snapshot{};
    pending_target_sum_ = 0;
    pending_intervals_ = 0;
    last_line_ns_ = elapsed_ns;
}

}  // namespace lse::report
