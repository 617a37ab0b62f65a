#pragma once
/// @file
/// Everything that watches a run (live view, --out ndjson, --report html, --summary-json, Prometheus)
/// implements RunObserver. The CLI feeds the same three calls from single-node runs, URL mode and the
/// distributed coordinator, so every output works the same in all of them.
///
/// Order: OnStart once, before load; OnInterval about once a second while load runs (on the thread that
/// drives the run: an observer that serves other threads, like Prometheus, copies what it needs); OnEnd
/// once after the summary is known (also after an interrupted or aborted run). OnEnd of a file output may
/// throw lse::SetupError (e.g. the report path is not writable); the CLI reports it and exits non-zero after
/// the other outputs were written.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "lse/metrics/snapshot.hpp"
#include "lse/report/text_summary.hpp"

namespace lse::report {

/// One agent of a distributed run as outputs show it.
struct AgentStatus {
    std::string id;
    std::string host;
    std::string state;           ///< "active", "timed out", "recovered", "rejoined"
    std::uint32_t capacity = 0;  ///< worker threads it reported
    double share = 0;            ///< of the arrivals, 0..1, in the initial assignment
};

/// What is known when load is about to start.
struct RunDescription {
    std::string command;                  ///< "run" or "url"
    std::string script;                   ///< scenario file; empty in URL mode
    std::string target;                   ///< base URL, secrets redacted
    std::vector<ScenarioInfo> scenarios;  ///< in display order
    std::int64_t total_ns = 0;            ///< planned length of the load phase
    std::int64_t started_unix_ms = 0;     ///< wall clock at the start (for reports)
    /// The run's configuration as "key", "value" rows for reports (flags and scenario options, redacted).
    std::vector<std::pair<std::string, std::string>> config;
    std::vector<std::string> thresholds;  ///< expressions as written ("checkout: p95 < 200ms")
    bool distributed = false;
};

/// One interval (about a second) of the run.
struct IntervalUpdate {
    const metrics::Snapshot& interval;    ///< that interval only: its percentiles are the interval's own
    const metrics::Snapshot& cumulative;  ///< since the start
    std::int64_t elapsed_ns = 0;          ///< end of the interval, from the start of load
    std::int64_t total_ns = 0;            ///< planned length of the load phase
    double target_rps = 0;                ///< arrivals per second the schedule asked for (open model; 0: none)
    int active_vusers = 0;                ///< virtual users hosted (0: unknown)
    std::string phase;                    ///< "ramp-up", "steady", "ramp-down", "draining"
    std::vector<AgentStatus> agents;      ///< distributed runs; empty otherwise
    /// Distributed runs whose agents have --region: the same interval per region, and per region since the start;
    /// null otherwise. A region without data in this interval may be missing from `regions`.
    const thresholds::RegionSnapshots* regions = nullptr;
    const thresholds::RegionSnapshots* cumulative_regions = nullptr;
};

/// A share move of a distributed run because an agent's load generator was saturated or recovered (--rebalance).
struct RebalanceRecord {
    std::int64_t at_ns = 0;         ///< when the share moved, from the start of load
    std::string agent;              ///< the agent that was saturated or recovered
    std::vector<std::string> from;  ///< agents whose share went down
    std::vector<std::string> to;    ///< agents whose share went up
    double share_before = 0;        ///< `agent`'s share of the arrivals, 0..1
    double share_after = 0;
    std::string why;                ///< "saturated: lag p99 23 ms", "recovered"
};

/// One agent's part of the results.
struct AgentResult {
    AgentStatus status;
    metrics::Snapshot total;
    bool final_received = false;  ///< false: only the intervals it delivered before it was lost
    /// Its open-model arrivals (ArrivalAccounting's meaning, per agent): planned = sent + dropped + lost.
    std::int64_t planned = 0;
    std::int64_t sent = 0;
    std::int64_t dropped = 0;
    std::int64_t lost = 0;
    std::int64_t unreported_estimate = 0;  ///< of `lost`, probably sent but never reported (an estimate)
    std::int64_t last_seen_ns = 0;         ///< from the run's start
    /// Requests (any model) it probably sent after its last report, when its final totals never came (an estimate).
    std::int64_t unreported_requests = 0;
    double share_now = 0;                     ///< of the arrivals, in the last epoch (0..1)
    std::vector<RebalanceRecord> rebalances;  ///< the health moves of which it was the subject, in order
};

/// The end of the run: the summary (with threshold verdicts), agents, and how the process will exit.
struct RunOutcome {
    const SummaryInput& summary;
    std::vector<AgentResult> agents;
    int exit_code = 0;
    std::string stop_reason;  ///< empty: ran to the end; else "interrupted", "threshold 'p95 < 1s' failed", ...
    /// Why the run failed, beyond threshold verdicts: "812 iterations of scenario 'shop' failed with script
    /// errors", "no request succeeded", "interrupted". Empty for a passing run.
    std::vector<std::string> fail_reasons = {};
    /// False when the totals miss load that ran (distributed: the broker was lost, agents could not report).
    bool complete = true;
    /// What happened without failing the run ("the NATS broker died at 8.0 s and was restarted; ...").
    std::vector<std::string> notes = {};
};

class RunObserver {
public:
    virtual ~RunObserver() = default;
    virtual void OnStart(const RunDescription& run) { (void)run; }
    virtual void OnInterval(const IntervalUpdate& update) { (void)update; }
    virtual void OnEnd(const RunOutcome& outcome) { (void)outcome; }
};

}  // namespace lse::report
