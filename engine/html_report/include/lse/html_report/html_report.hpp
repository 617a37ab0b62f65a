#pragma once
/// @file
/// --report FILE.html: one self-contained HTML file written at the end of the run. It shows the run's
/// header (scenario file, target, start, duration, PASS/FAIL verdict, stop reason), charts over time
/// (target vs achieved rate, service and CO-corrected response time percentiles, errors by kind, status
/// classes, iterations per task, each load generator's event-loop lag p99) and tables (tasks, requests, checks,
/// lifecycle, thresholds, load generators, agents with their rebalances, configuration). uPlot is inlined: the file opens from file:// with no network. Tables are HTML
/// rendered here (the page reads without JavaScript); the charts are drawn by an inline script from
/// an embedded JSON blob holding the timeline and the --summary-json document.

#include <string>

#include "lse/html_report/timeline.hpp"
#include "lse/report/run_observer.hpp"

namespace lse::html_report {

class HtmlReport : public report::RunObserver {
public:
    /// Nothing is opened until OnEnd: a bad path is reported then (as lse::SetupError).
    explicit HtmlReport(std::string path);

    void OnStart(const report::RunDescription& run) override;
    /// Appends one timeline row (a few hundred bytes; see timeline.hpp for the bound on memory).
    void OnInterval(const report::IntervalUpdate& update) override;
    /// Writes the file (to path.tmp, then renamed). Throws lse::SetupError naming the path on any I/O failure.
    void OnEnd(const report::RunOutcome& outcome) override;

    const std::string& path() const noexcept { return path_; }

private:
    std::string path_;
    report::RunDescription run_;
    Timeline timeline_;
};

}  // namespace lse::html_report
