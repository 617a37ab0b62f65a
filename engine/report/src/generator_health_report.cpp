#include "lse/report/generator_health_report.hpp"

#include <algorithm>
#include <cstdio>

#include "lse/report/json_fields.hpp"
#include "lse/report/summary_model.hpp"
#include "lse/report/text_summary.hpp"
#include "lse/thresholds/generator_stats.hpp"

namespace lse::report {
namespace {

using metrics::GeneratorHealth;
using nlohmann::json;
using thresholds::HasReport;
using thresholds::WasSaturated;

// The warning names this many generators and, per generator, this many periods; the table has the rest.
constexpr std::size_t kWarnGenerators = 5;
constexpr std::size_t kWarnPeriods = 4;

// Table columns; 2 + 15 + 4 + 2 * 9 + 2 * 6 + 2 * 8 + 12 + 2 * 10 = 99 columns.
constexpr std::size_t kIdWidth = 15;
constexpr std::size_t kThreadsWidth = 4;
constexpr std::size_t kLagWidth = 9;
constexpr std::size_t kCpuWidth = 6;
constexpr std::size_t kCountWidth = 8;
constexpr std::size_t kPortsWidth = 12;
constexpr std::size_t kWideWidth = 10;

template <typename... Args>
std::string Format(const char* fmt, Args... args) {
    char buf[128];
    std::snprintf(buf, sizeof buf, fmt, args...);
    return buf;
}

std::string Cell(const std::string& s, std::size_t width) {
    if (s.size() < width) return s + std::string(width - s.size(), ' ');
    return s.substr(0, width - 4) + "... ";
}

std::string Right(const std::string& s, std::size_t width) {
    return s.size() >= width ? " " + s : std::string(width - s.size(), ' ') + s;
}

std::string PercentOf(double fraction) { return Format("%.0f%%", fraction * 100.0); }

std::string Mebibytes(std::uint64_t bytes) { return Format("%.1f MiB", static_cast<double>(bytes) / 1048576.0); }

std::string LagAt(const GeneratorHealth& h, double percentile) {
    return h.loop_lag_us.Count() == 0 ? "-" : FormatMicros(h.loop_lag_us.ValueAtPercentile(percentile));
}

std::string Ports(const GeneratorHealth& h) {
    return h.ephemeral_port_range == 0 ? std::to_string(h.ephemeral_ports)
                                       : std::to_string(h.ephemeral_ports) + "/" +
                                             std::to_string(h.ephemeral_port_range);
}

// "from 12 s to 40 s and from 50 s to 55 s" (periods cut at kWarnPeriods); "in 3 intervals" without periods.
std::string When(const GeneratorHealth& h) {
    if (h.saturated.empty()) {
        return "in " + std::to_string(h.saturated_intervals) + " interval" + (h.saturated_intervals == 1 ? "" : "s");
    }
    std::string out;
    const std::size_t shown = std::min(h.saturated.size(), kWarnPeriods);
    for (std::size_t i = 0; i < shown; ++i) {
        if (i > 0) out += i + 1 == shown && shown == h.saturated.size() ? " and " : ", ";
        out += "from " + SecondsText(h.saturated[i].from_ms) + " to " + SecondsText(h.saturated[i].to_ms);
    }
    if (h.saturated.size() > shown) {
        out += " and " + std::to_string(h.saturated.size() - shown) + " more times (" +
               SecondsText(thresholds::SaturatedMs(h)) + " in all)";
    }
    return out;
}

// Which generator to show first in a crowded live frame: the saturated ones, then the most lagging.
struct LiveRow {
    std::string id;
    const GeneratorHealth* health;
    bool saturated;
    std::int64_t lag_p99_us;
};

std::string LiveLine(const LiveRow& r) {
    const GeneratorHealth& h = *r.health;
    std::string line = "  " + Printable(r.id) + "  lag p99 " + LagAt(h, 99) + "  cpu " + PercentOf(h.process_cpu) +
                       " (host " + PercentOf(h.host_cpu) + ")  late " + std::to_string(h.late_arrivals) +
                       "  sockets " + std::to_string(h.open_sockets) + "  rss " + Mebibytes(h.rss_bytes);
    if (r.saturated) line += "  SATURATED";
    return line;
}

}  // namespace

std::string SecondsText(std::int64_t ms) {
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
    return Format("%.1f s", static_cast<double>(ms) / 1000.0);
}

json GeneratorHealthJson(const GeneratorHealth& h) {
    json periods = json::array();
    for (const metrics::SaturatedPeriod& p : h.saturated) {
        periods.push_back({{"from_s", static_cast<double>(p.from_ms) / 1e3}, {"to_s", static_cast<double>(p.to_ms) / 1e3}});
    }
    return {{"threads", h.threads},
            {"intervals", h.intervals},
            {"loop_lag_us", LatencyJson(h.loop_lag_us)},
            {"process_cpu", h.process_cpu},
            {"host_cpu", h.host_cpu},
            {"arrivals", h.arrivals},
            {"late_arrivals", h.late_arrivals},
            {"open_sockets", h.open_sockets},
            {"ephemeral_ports", h.ephemeral_ports},
            {"ephemeral_port_range", h.ephemeral_port_range},
            {"rss_bytes", h.rss_bytes},
            {"saturated", WasSaturated(h)},
            {"saturated_intervals", h.saturated_intervals},
            {"saturated_s", static_cast<double>(thresholds::SaturatedMs(h)) / 1e3},
            {"saturated_periods", std::move(periods)}};
}

json GeneratorsJson(const metrics::Snapshot& snapshot) {
    json out = json::object();
    for (const auto& [id, h] : snapshot.generators) {
        if (HasReport(h)) out[id] = GeneratorHealthJson(h);
    }
    return out;
}

std::string SaturationWarning(const metrics::Snapshot& total) {
    const std::vector<std::string> ids = thresholds::SaturatedGenerators(total);
    if (ids.empty()) return {};
    std::string out = "results may understate the target's performance: ";
    const std::size_t shown = std::min(ids.size(), kWarnGenerators);
    for (std::size_t i = 0; i < shown; ++i) {
        if (i > 0) out += "; ";
        out += Printable(thresholds::GeneratorLabel(ids[i])) + " was saturated " + When(total.generators.find(ids[i])->second);
    }
    if (ids.size() > shown) {
        out += "; and " + std::to_string(ids.size() - shown) + " more generators (see the load generators table)";
    }
    return out;
}

void PrintGeneratorTable(std::ostream& out, const metrics::Snapshot& total) {
    if (thresholds::ReportingGenerators(total) == 0) return;
    out << "\n  " << Cell("load generator", kIdWidth) << Right("thr", kThreadsWidth) << Right("lag p99", kLagWidth)
        << Right("lag max", kLagWidth) << Right("cpu", kCpuWidth) << Right("host", kCpuWidth)
        << Right("late", kCountWidth) << Right("sockets", kCountWidth) << Right("ports", kPortsWidth)
        << Right("peak RSS", kWideWidth) << Right("saturated", kWideWidth) << "\n";
    for (const auto& [id, h] : total.generators) {
        if (!HasReport(h)) continue;
        const std::string saturated = !WasSaturated(h)          ? "-"
                                      : h.saturated.empty() ? std::to_string(h.saturated_intervals) + " int."
                                                            : SecondsText(thresholds::SaturatedMs(h));
        out << "  " << Cell(Printable(id), kIdWidth) << Right(std::to_string(h.threads), kThreadsWidth)
            << Right(LagAt(h, 99), kLagWidth)
            << Right(h.loop_lag_us.Count() == 0 ? "-" : FormatMicros(h.loop_lag_us.Max()), kLagWidth)
            << Right(PercentOf(h.process_cpu), kCpuWidth) << Right(PercentOf(h.host_cpu), kCpuWidth)
            << Right(std::to_string(h.late_arrivals), kCountWidth) << Right(std::to_string(h.open_sockets), kCountWidth)
            << Right(Ports(h), kPortsWidth) << Right(Mebibytes(h.rss_bytes), kWideWidth)
            << Right(saturated, kWideWidth) << "\n";
    }
    out << "  (lag: how late the event loops ran their timers; cpu: the process's worst second, 100% = one core;\n"
           "   host: all its cores; late: arrivals it started late itself; ports: local ports in use/range)\n";
    const std::string warning = SaturationWarning(total);
    if (!warning.empty()) out << "\nwarning: " << warning << "\n";
}

std::vector<std::string> GeneratorLiveLines(const metrics::Snapshot& interval, std::size_t width,
                                            std::size_t max_rows) {
    std::vector<LiveRow> rows;
    for (const auto& [id, h] : interval.generators) {
        if (!HasReport(h)) continue;
        rows.push_back({id, &h, WasSaturated(h), h.loop_lag_us.Count() == 0 ? 0 : h.loop_lag_us.ValueAtPercentile(99)});
    }
    std::stable_sort(rows.begin(), rows.end(), [](const LiveRow& a, const LiveRow& b) {
        if (a.saturated != b.saturated) return a.saturated;
        return a.lag_p99_us > b.lag_p99_us;
    });
    std::vector<std::string> lines;
    const std::size_t shown = std::min(rows.size(), std::max<std::size_t>(1, max_rows));
    for (std::size_t i = 0; i < shown; ++i) {
        std::string line = LiveLine(rows[i]);
        if (line.size() > width && width > 1) {
            // Keep the SATURATED marker visible when the line is cut to fit.
            const std::string tail = rows[i].saturated ? "~ SATURATED" : "~";
            line.resize(width > tail.size() ? width - tail.size() : 0);
            line += tail;
        }
        lines.push_back(std::move(line));
    }
    if (rows.size() > shown) {
        std::size_t saturated = 0;
        for (std::size_t i = shown; i < rows.size(); ++i) saturated += rows[i].saturated ? 1 : 0;
        lines.push_back("  +" + std::to_string(rows.size() - shown) + " more generators" +
                        (saturated > 0 ? " (" + std::to_string(saturated) + " SATURATED)" : " (none saturated)"));
    }
    return lines;
}

std::string GeneratorProgressText(const metrics::Snapshot& intervals) {
    const GeneratorHealth* worst = nullptr;
    std::int64_t worst_lag = -1;
    double worst_cpu = 0;
    for (const auto& [id, h] : intervals.generators) {
        if (!HasReport(h)) continue;
        const std::int64_t lag = h.loop_lag_us.Count() == 0 ? 0 : h.loop_lag_us.ValueAtPercentile(99);
        if (lag > worst_lag) {
            worst_lag = lag;
            worst = &h;
        }
        worst_cpu = std::max(worst_cpu, h.process_cpu);
    }
    if (worst == nullptr) return {};
    std::string out = " | gen lag p99 " + LagAt(*worst, 99) + " cpu " + PercentOf(worst_cpu);
    const std::vector<std::string> saturated = thresholds::SaturatedGenerators(intervals);
    if (!saturated.empty()) {
        out += " | SATURATED: ";
        for (std::size_t i = 0; i < saturated.size() && i < kWarnGenerators; ++i) {
            out += (i == 0 ? "" : ", ") + Printable(saturated[i]);
        }
        if (saturated.size() > kWarnGenerators) out += ", +" + std::to_string(saturated.size() - kWarnGenerators);
    }
    return out;
}

}  // namespace lse::report
