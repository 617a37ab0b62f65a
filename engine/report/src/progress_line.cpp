#include "lse/report/progress_line.hpp"

#include <cstdio>

#include "lse/metrics/stat_key.hpp"

#include "lse/report/generator_health_report.hpp"
#include "lse/report/text_summary.hpp"

namespace lse::report {

std::optional<std::uint64_t> TaskIterations(const metrics::Snapshot& snapshot) {
    std::optional<std::uint64_t> total;
    metrics::StatKey key;
    for (const auto& [name, stats] : snapshot.by_name) {
        if (metrics::ParseStatKey(name, &key) && key.kind == metrics::StatKind::kTask) {
            total = total.value_or(0) + stats.requests;
        }
    }
    return total;
}

std::string ProgressLine(const metrics::Snapshot& interval, std::int64_t elapsed_ns, std::int64_t total_ns,
                         double target_rps) {
    const metrics::RequestStats& t = interval.total;
    const double secs = interval.end_ns > interval.start_ns ? (interval.end_ns - interval.start_ns) / 1e9 : 1.0;
    const double rps = static_cast<double>(t.requests) / secs;
    char head[96];
    std::snprintf(head, sizeof head, "[%4llds/%llds]", static_cast<long long>(elapsed_ns / 1'000'000'000),
                  static_cast<long long>(total_ns / 1'000'000'000));
    std::string line = head;
    char buf[96];
    // The target counts arrivals, i.e. task iterations; a task may send several requests per iteration.
    if (const std::optional<std::uint64_t> iterations = TaskIterations(interval)) {
        std::snprintf(buf, sizeof buf, " %8.1f it/s", static_cast<double>(*iterations) / secs);
        line += buf;
        if (target_rps > 0) {
            std::snprintf(buf, sizeof buf, " (target %.1f)", target_rps);
            line += buf;
        }
        std::snprintf(buf, sizeof buf, " %8.1f rps", rps);
        line += buf;
    } else {
        std::snprintf(buf, sizeof buf, " %8.1f rps", rps);
        line += buf;
        if (target_rps > 0) {
            std::snprintf(buf, sizeof buf, " (target %.1f)", target_rps);
            line += buf;
        }
    }
    const metrics::Histogram& h = t.response_time_us;
    line += " | p50 " + FormatMicros(h.ValueAtPercentile(50)) + " p95 " + FormatMicros(h.ValueAtPercentile(95)) +
            " p99 " + FormatMicros(h.ValueAtPercentile(99));
    char tail[64];
    std::snprintf(tail, sizeof tail, " | err %.2f%% | dropped %llu", t.ErrorRate() * 100.0,
                  static_cast<unsigned long long>(t.dropped));
    line += tail;
    line += GeneratorProgressText(interval);  // the generators' own health, and who was saturated
    return line;
}

}  // namespace lse::report
