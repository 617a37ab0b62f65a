#pragma once
/// @file
/// Every output of a run (live view, --summary-json, --out ndjson=FILE, --report FILE.html, --prometheus ADDR)
/// behind one object the commands feed identically: single-node `run`, `url`, and the distributed coordinator.
/// Files and the Prometheus port are checked when the outputs are built, before any load is sent.

#include <CLI/CLI.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lse/metrics/snapshot.hpp"
#include "lse/report/run_observer.hpp"
#include "lse/runtime/load_spec.hpp"

namespace lse::cli {

struct OutputFlags {
    bool quiet = false;
    std::string summary_json;
    std::vector<std::string> outs;  ///< --out TYPE=PATH, repeatable (TYPE: ndjson)
    std::string report_html;
    std::string prometheus;
};

void AddOutputFlags(CLI::App* cmd, OutputFlags* flags);

class RunOutputs {
public:
    /// Builds what the flags ask for. Throws lse::UsageError for a malformed flag (naming it), lse::SetupError
    /// for a path that cannot be written or a port that cannot be bound.
    explicit RunOutputs(const OutputFlags& flags);
    ~RunOutputs();

    /// Another observer (e.g. the abort_on_fail threshold watch); called after the built-in ones.
    void Add(std::unique_ptr<report::RunObserver> observer);

    /// `specs` give the target rate and phase of each interval (open model: the rate curve; closed: ramp-up).
    void Begin(report::RunDescription run, std::vector<runtime::LoadSpec> specs);

    /// One interval: the cumulative view is kept here. `interval` may lack bounds (then it counts as 1 s).
    /// `regions`: the same interval per agent region (distributed runs with --region), cumulated here too.
    void Interval(const metrics::Snapshot& interval, std::int64_t elapsed_ns, int active_vusers,
                  std::vector<report::AgentStatus> agents = {}, const thresholds::RegionSnapshots* regions = nullptr);

    /// Calls every observer's OnEnd, even when one throws; then rethrows the first failure (lse::SetupError:
    /// a report that could not be written). When several outputs failed, the error names them all ("; ").
    void End(const report::RunOutcome& outcome);

    /// Target arrival rate (sum over open-model scenarios) around `elapsed_ns`.
    double TargetRpsAt(std::int64_t elapsed_ns) const;
    /// "ramp-up", "steady", "ramp-down" or "draining" at `elapsed_ns`.
    std::string PhaseAt(std::int64_t elapsed_ns) const;

private:
    std::vector<std::unique_ptr<report::RunObserver>> observers_;
    std::vector<runtime::LoadSpec> specs_;
    std::int64_t total_ns_ = 0;
    metrics::Snapshot cumulative_;
    thresholds::RegionSnapshots cumulative_regions_;
};

/// Wall-clock milliseconds since the Unix epoch (for reports).
std::int64_t UnixMillisNow();

}  // namespace lse::cli
