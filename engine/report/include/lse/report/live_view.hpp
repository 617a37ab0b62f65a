#pragma once
/// @file
/// What a person watches while a run goes. On a terminal: a small frame redrawn in place every second
/// (elapsed/total with a progress bar, phase, target vs achieved rps, p50/p95/p99 of the last second, error
/// rate, dropped arrivals, one row per task, one per load generator with its health and a SATURATED marker,
/// one per agent region, agents). Off a terminal (CI logs): one compact line every few seconds, over everything
/// since the previous line, then one line per agent region over the same seconds. --quiet: nothing.

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "lse/metrics/snapshot.hpp"
#include "lse/report/run_observer.hpp"
#include "lse/thresholds/evaluate.hpp"

namespace lse::report {

enum class LiveMode : std::uint8_t {
    kFrame,  ///< a terminal: redraw a frame in place (ANSI cursor movement)
    kLines,  ///< a log: append a compact line every LiveViewOptions::line_every_ns
    kOff,    ///< --quiet
    kCount
};

/// kOff when quiet, kFrame when `fd` is a terminal and TERM is not "dumb", else kLines.
LiveMode DetectLiveMode(bool quiet, int fd);

struct LiveViewOptions {
    LiveMode mode = LiveMode::kLines;
    std::int64_t line_every_ns = 5'000'000'000;  ///< kLines: one line per this much load time
    int width = 100;                             ///< kFrame: columns to fit (names are cut to fit)
    int max_task_rows = 8;                       ///< kFrame: further tasks are summed up in one "+N more" row
};

/// The frame for one interval, one string per line, no ANSI codes (pure: the tests read it).
std::vector<std::string> RenderLiveFrame(const RunDescription& run, const IntervalUpdate& update,
                                         const LiveViewOptions& options);

class LiveView : public RunObserver {
public:
    LiveView(std::ostream& out, LiveViewOptions options);
    void OnStart(const RunDescription& run) override;
    void OnInterval(const IntervalUpdate& update) override;
    void OnEnd(const RunOutcome& outcome) override;

private:
    void PrintLine(std::int64_t elapsed_ns, std::int64_t total_ns);

    std::ostream& out_;
    LiveViewOptions options_;
    RunDescription run_;
    int lines_drawn_ = 0;            ///< kFrame: height of the frame on screen (to redraw over it)
    metrics::Snapshot pending_;      ///< kLines: intervals since the last line
    /// kLines: the same per agent region (every region seen so far: one without data keeps an empty entry).
    thresholds::RegionSnapshots pending_regions_;
    double pending_target_sum_ = 0;  ///< kLines: sum of target_rps over the pending intervals
    int pending_intervals_ = 0;
    std::int64_t last_line_ns_ = 0;
    std::int64_t last_elapsed_ns_ = 0;
    std::int64_t last_total_ns_ = 0;
};

}  // namespace lse::report
