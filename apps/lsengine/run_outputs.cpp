#include "run_outputs.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <iostream>
#include <string>

#include "lse/core/clock.hpp"
#include "lse/core/errors.hpp"
#include "lse/html_report/html_report.hpp"
#include "lse/prometheus/exporter.hpp"
#include "lse/report/live_view.hpp"
#include "lse/report/ndjson_writer.hpp"
#include "lse/report/output_file.hpp"
#include "lse/report/summary_json_file.hpp"

namespace lse::cli {

void AddOutputFlags(CLI::App* cmd, OutputFlags* flags) {
    cmd->add_flag("-q,--quiet", flags->quiet, "No live view");
    cmd->add_option("--summary-json", flags->summary_json,
                    "Write the end summary as JSON to FILE (schema: docs/outputs.md)");
    cmd->add_option("--out", flags->outs, "Stream per-second results: ndjson=FILE (repeatable)");
    cmd->add_option("--report", flags->report_html, "Write a self-contained HTML report to FILE.html");
    cmd->add_option("--prometheus", flags->prometheus,
                    "Serve Prometheus metrics at ADDR during the run (e.g. 127.0.0.1:9464 or :9464)");
}

RunOutputs::RunOutputs(const OutputFlags& flags) {
    report::LiveViewOptions live;
    live.mode = report::DetectLiveMode(flags.quiet, STDERR_FILENO);
    observers_.push_back(std::make_unique<report::LiveView>(std::cerr, live));
    for (const std::string& out : flags.outs) {
        const auto eq = out.find('=');
        const std::string type = out.substr(0, eq);
        if (eq == std::string::npos || eq + 1 == out.size()) {
            throw UsageError("--out " + out + ": expected TYPE=FILE, e.g. --out ndjson=results.ndjson");
        }
        if (type != "ndjson") throw UsageError("--out " + out + ": unknown output type '" + type + "' (known: ndjson)");
        observers_.push_back(std::make_unique<report::NdjsonWriter>(out.substr(eq + 1)));
    }
    if (!flags.summary_json.empty()) {
        observers_.push_back(std::make_unique<report::SummaryJsonFile>(flags.summary_json));
    }
    if (!flags.report_html.empty()) {
        report::CheckWritablePath(flags.report_html, "--report");
        observers_.push_back(std::make_unique<html_report::HtmlReport>(flags.report_html));
    }
    if (!flags.prometheus.empty()) {
        auto exporter = std::make_unique<prometheus::PrometheusExporter>(flags.prometheus);
        if (!flags.quiet) {
            std::cerr << "lsengine: Prometheus metrics at " << flags.prometheus << " (port " << exporter->BoundPort()
                      << "), path /metrics\n";
        }
        observers_.push_back(std::move(exporter));
    }
}

RunOutputs::~RunOutputs() = default;

void RunOutputs::Add(std::unique_ptr<report::RunObserver> observer) { observers_.push_back(std::move(observer)); }

void RunOutputs::Begin(report::RunDescription run, std::vector<runtime::LoadSpec> specs) {
    specs_ = std::move(specs);
    total_ns_ = run.total_ns;
    for (const auto& o : observers_) o->OnStart(run);
}

double RunOutputs::TargetRpsAt(std::int64_t elapsed_ns) const {
    // The interval that just ended: its middle is half a second back.
    double rate = 0;
    for (const auto& s : specs_) {
        if (s.model == runtime::LoadModel::kOpen && s.profile) {
            rate += s.profile->RateAt(std::max<std::int64_t>(0, elapsed_ns - kNsPerSec / 2));
        }
    }
    return rate;
}

std::string RunOutputs::PhaseAt(std::int64_t elapsed_ns) const {
    if (elapsed_ns >= total_ns_ + kNsPerSec / 2) return "draining";
    bool up = false;
    bool down = false;
    for (const auto& s : specs_) {
        if (s.model == runtime::LoadModel::kClosed) {
            up = up || elapsed_ns <= s.ramp_up_ns;
        } else if (s.profile) {
            const double before = s.profile->RateAt(std::max<std::int64_t>(0, elapsed_ns - kNsPerSec));
            const double now = s.profile->RateAt(std::max<std::int64_t>(0, elapsed_ns - 1));
            up = up || now > before + 1e-9;
            down = down || now < before - 1e-9;
        }
    }
    return up ? "ramp-up" : down ? "ramp-down" : "steady";
}

void RunOutputs::Interval(const metrics::Snapshot& interval, std::int64_t elapsed_ns, int active_vusers,
                          std::vector<report::AgentStatus> agents, const thresholds::RegionSnapshots* regions) {
    cumulative_ += interval;
    if (regions != nullptr) {
        for (const auto& [name, snap] : *regions) cumulative_regions_[name] += snap;
    }
    report::IntervalUpdate u{interval, cumulative_, 0, 0, 0, 0, "", {}};
    u.elapsed_ns = elapsed_ns;
    u.total_ns = total_ns_;
    u.target_rps = TargetRpsAt(elapsed_ns);
    u.active_vusers = active_vusers;
    u.phase = PhaseAt(elapsed_ns);
    u.agents = std::move(agents);
    if (regions != nullptr) {
        u.regions = regions;
        u.cumulative_regions = &cumulative_regions_;
    }
    for (const auto& o : observers_) o->OnInterval(u);
}

void RunOutputs::End(const report::RunOutcome& outcome) {
    std::exception_ptr first;
    // On a full disk every file output fails: name them all, or the user fixes one and finds the next on rerun.
    std::string failures;
    int failed = 0;
    for (const auto& o : observers_) {
        try {
            o->OnEnd(outcome);
        } catch (const Error& e) {
            if (!first) first = std::current_exception();
            failures += (failures.empty() ? "" : "; ") + std::string(e.what());
            ++failed;
        } catch (...) {
            if (!first) first = std::current_exception();
        }
    }
    if (failed > 1) {
        try {
            std::rethrow_exception(first);
        } catch (const Error& e) {
            throw Error(e.code(), failures);
        } catch (...) {
            throw;  // not an lse::Error: a bug, reported as it is
        }
    }
    if (first) std::rethrow_exception(first);
}

std::int64_t UnixMillisNow() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace lse::cli
