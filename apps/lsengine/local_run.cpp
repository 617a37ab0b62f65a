#include "local_run.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace lse::cli {

runtime::RunResult RunFeedingOutputs(runtime::LoadRun& run, RunOutputs& outputs, int vusers) {
    size_t shown = 0;
    runtime::RunResult result = run.Run([&](const runtime::RunProgress& p) {
        outputs.Interval(p.interval, p.elapsed_ns, vusers);
        ++shown;
    });
    // The last, partial second is collected after the final progress call: every output gets it too.
    for (size_t i = shown; i < result.intervals.size(); ++i) {
        const metrics::Snapshot& tail = result.intervals[i];
        outputs.Interval(tail, std::clamp<std::int64_t>(tail.end_ns - result.started_ns, 0, run.RunLengthNs()), vusers);
    }
    return result;
}

int ExitNowIfAbandoned(const runtime::RunResult& result, int code) {
    if (result.abandoned_workers == 0) return code;
    std::cout.flush();
    std::cerr.flush();
    std::fflush(nullptr);
    std::_Exit(code);
}

}  // namespace lse::cli
