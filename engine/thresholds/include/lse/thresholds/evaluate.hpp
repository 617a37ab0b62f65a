#pragma once
/// @file
/// Evaluating parsed thresholds against the merged Snapshot of a whole run.

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lse/metrics/snapshot.hpp"
#include "lse/thresholds/threshold.hpp"

namespace lse::thresholds {

struct Verdict {
    bool passed = false;
    bool has_data = false;    ///< false: nothing to measure (a threshold without data FAILS)
    double actual = 0;        ///< in the unit of ValueKindOf(metric): ns, percent or number
    std::string actual_text;  ///< "p95 = 183ms", "browse.error_rate = 0.52%", "p95 = no data"
    std::string expression;   ///< the threshold as written
    std::string scenario;     ///< the scenario it was evaluated for (empty: the whole run)
};

/// A distributed run's results per agent region (SummaryInput::regions); empty when no agent has a region.
using RegionSnapshots = std::map<std::string, metrics::Snapshot>;

/// Evaluates one threshold. `scenario` is the scenario that declared it (a "name:" prefix in the
/// threshold wins); an empty scenario with no prefix means the whole run (Snapshot::total).
/// `duration_s` is the load phase length, used by rps (<= 0 makes rps "no data").
/// Latency, rate and check metrics with nothing recorded fail with actual_text "... = no data":
/// a threshold never passes silently. Counts (requests, errors, iterations, dropped) of an
/// empty scope are 0, a real value.
/// Custom metrics ("trend:x.p95") are the whole run's whatever `scenario` is (the verdict's scenario is empty);
/// one without samples fails with "no data (metric 'x' got no value)", and one named in
/// `not_replayable_metrics` (SummaryInput::not_replayable_metrics of a distributed run) fails as not replayable.
Verdict Evaluate(const Threshold& threshold, const metrics::Snapshot& total, std::string_view scenario,
                 double duration_s, std::span<const std::string> not_replayable_metrics = {});

/// The same, for thresholds with a region selector too: `region:eu....` is evaluated on regions["eu"] (a region
/// that is not there fails: "no data (no agent in region 'eu')"), `... per region` on every region, one verdict
/// that passes when each region passes, its text listing every region ("p95 per region: eu = 250ms (fails),
/// us = 80ms") and its actual the first failing region's (else the last). Without regions both fail: "no data
/// (no agent has a --region)". Thresholds without a region selector read `total`, as Evaluate does.
Verdict Evaluate(const Threshold& threshold, const metrics::Snapshot& total, const RegionSnapshots& regions,
                 std::string_view scenario, double duration_s, std::span<const std::string> not_replayable_metrics = {});

/// True when a threshold needs the run's regions (a region selector or "per region").
bool NeedsRegions(const Threshold& threshold) noexcept;

/// True when every verdict passed (and true for none).
bool AllPassed(const std::vector<Verdict>& verdicts) noexcept;

}  // namespace lse::thresholds
