#pragma once
/// @file
/// `--summary-json FILE`: the end summary (summary_json.hpp, schema "version": 1) plus what only the end
/// knows: "exit_code", "stop_reason", the per-agent table "agents" and the run's description "run".
/// Written to FILE.tmp and renamed, so a reader never sees half a file.

#include <string>

#include "lse/report/run_observer.hpp"

namespace lse::report {

class SummaryJsonFile : public RunObserver {
public:
    /// Checks now that FILE's directory exists and is writable (lse::SetupError naming the flag and path), so a
    /// typo fails before any load is sent.
    explicit SummaryJsonFile(std::string path);
    void OnStart(const RunDescription& run) override { run_ = run; }
    void OnEnd(const RunOutcome& outcome) override;  ///< throws lse::SetupError when the file cannot be written

private:
    std::string path_;
    RunDescription run_;
};

}  // namespace lse::report
