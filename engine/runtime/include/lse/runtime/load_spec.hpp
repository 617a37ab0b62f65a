#pragma once
/// @file
/// How much load to apply and how: the engine-level description a CLI command,
/// a scenario or a distributed plan turns into.

#include <cstdint>
#include <optional>
#include <string>

#include "lse/metrics/generator_health.hpp"
#include "lse/sched/rate_profile.hpp"

namespace lse::runtime {

enum class LoadModel {
    kOpen,    ///< Arrivals on a schedule (rps); an arrival with no idle virtual user waits (max_wait_ns).
    kClosed,  ///< Each virtual user loops: iteration, think time, iteration...
};

struct LoadSpec {
    LoadModel model = LoadModel::kClosed;
    std::optional<sched::RateProfile> profile;  ///< open model: the arrival-rate curve (its length is the run's)
    int vusers = 10;                            ///< open: pool of virtual users; closed: concurrency
    std::int64_t duration_ns = 0;               ///< closed model: run length (open model: profile length)
    std::int64_t ramp_up_ns = 0;                ///< closed model: virtual users start evenly over this
    std::int64_t think_min_ns = 0;              ///< closed model: pause between iterations, uniform in [min,max]
    std::int64_t think_max_ns = 0;
    /// Open model: an arrival that finds every virtual user busy waits for one (first come, first
    /// served) at most this long, and is counted as dropped after that or when the run ends while it
    /// waits. Its response time counts from its intended start, so the wait is measured (no
    /// coordinated omission). 0: dropped at once. The CLI defaults it to the request timeout.
    /// It also bounds how late an arrival may start after the worker itself stalled (1 s when 0): overdue
    /// arrivals are caught up at most at twice the planned rate, older ones dropped (sched::CatchUpGate).
    std::int64_t max_wait_ns = 30'000'000'000;
    int threads = 1;                            ///< worker threads, one libuv loop each
    std::int64_t grace_ns = 5'000'000'000;      ///< after the end, in-flight iterations get this long, then are cancelled
    std::uint64_t seed = 1;
    /// Closed model: the run ends once this many iterations have started in total (all workers, one shared
    /// count), or at duration_ns, whichever comes first. 0: no count, the duration alone ends the run.
    /// URL mode's -n (one request per iteration) and `run --iterations`.
    std::int64_t iterations = 0;
    /// Whose health this load's workers measure (Snapshot::generators): "local" for a single node, the agent id on
    /// an agent. A LoadRun reports under its first workload's id (one process, one generator).
    std::string generator_id{metrics::kLocalGenerator};

    std::int64_t RunLengthNs() const { return model == LoadModel::kOpen ? profile->TotalDurationNs() : duration_ns; }
};

}  // namespace lse::runtime
