#include "lse/report/progress_line.hpp"

#include <cstdio>

#include "lse/report/text_summary.hpp"

namespace lse::report {

std::string ProgressLine(const metrics::Snapshot& interval, std::int64_t elapsed_ns, std::int64_t total_ns,
                         double target_rps) {
    const metrics::RequestStats& t = interval.total;
    const double secs = interval.end_ns > interval.start_ns ? (interval.end_ns - interval.start_ns) / 1e9 : 1.0;
    const double rps = static_cast<double>(t.requests) / secs;
    char head[96];
    std::snprintf(head, sizeof head, "[%4llds/%llds] %8.1f rps", static_cast<long long>(elapsed_ns / 1'000'000'000),
                  static_cast<long long>(total_ns / 1'000'000'000), rps);
    std::string line = head;
    if (target_rps > 0) {
        char target[48];
        std::snprintf(target, sizeof target, " (target %.1f)", target_rps);
        line += target;
    }
    const metrics::Histogram& h = t.response_time_us;
    line += " | p50 " + FormatMicros(h.ValueAtPercentile(50)) + " p95 " + FormatMicros(h.ValueAtPercentile(95)) +
            " p99 " + FormatMicros(h.ValueAtPercentile(99));
    char tail[64];
    std::snprintf(tail, sizeof tail, " | err %.2f%% | dropped %llu", t.ErrorRate() * 100.0,
                  static_cast<unsigned long long>(t.dropped));
    line += tail;
    return line;
}

}  // namespace lse::report
