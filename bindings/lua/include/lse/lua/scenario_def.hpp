#pragma once
/// @file
/// What a scenario file declares, as plain C++ data (no lua.h): read once by the CLI
/// to validate the file, print the plan in --dry-run and build the load specs.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lse/plan/plan.hpp"
#include "lse/sched/rate_profile.hpp"

namespace lse::lua {

struct TaskDef {
    std::string name;
    double weight = 1;
    std::string defined_at;  ///< "file.lua:12"
    /// on_extract_error = "skip" | "empty": what agents do when a response value cannot be extracted
    /// (distributed runs only; single-node Lua ignores it).
    plan::OnExtractError on_extract_error = plan::OnExtractError::kSkip;
};

struct ThresholdDef {
    std::string expression;      ///< as written, e.g. "p95 < 200ms"
    std::string defined_at;      ///< "file.lua:5"
    bool abort_on_fail = false;  ///< table form { "expr", abort_on_fail = true }: stop the run on failure
    std::int64_t delay_ns = 0;   ///< table form `delay`: abort_on_fail is not judged before this much load time
};

struct ScenarioDef {
    std::string name;        ///< `name` option, default: the file name without ".lua" (unique per file)
    std::string defined_at;  ///< "file.lua:3"
    std::optional<double> rps;                  ///< open model when set (or when stages are set)
    std::optional<int> vusers;
    std::optional<std::int64_t> duration_ns;
    std::optional<std::int64_t> ramp_up_ns;
    std::vector<sched::Stage> stages;           ///< open model stages (duration, rps)
    std::optional<std::int64_t> think_min_ns;   ///< closed model only
    std::optional<std::int64_t> think_max_ns;
    std::optional<std::int64_t> max_wait_ns;    ///< open model only: longest wait of an arrival for a free VU
    std::optional<std::int64_t> max_instructions;  ///< instruction budget per run (0 = none); see LuaRunConfig
    bool abort_on_start_failure = false;        ///< on_start_failure = "abort" (default "skip")
    bool compression = true;                    ///< compression = false: no default Accept-Encoding (issue 15)
    std::vector<ThresholdDef> thresholds;
    std::vector<TaskDef> tasks;
    bool has_on_start = false;
    bool has_on_stop = false;
    bool has_setup = false;
    bool has_teardown = false;
    std::optional<int> max_redirects;  ///< `redirects` option: hops each request follows (0 = none)
    /// `cert` / `key` options: this scenario's client certificate (PEM files, paths as written in the script,
    /// relative to its directory) instead of --cert/--key; empty = the run's. `key` empty = in the cert file.
    std::string cert{};
    std::string key{};
    /// `max_header_size` option: this scenario's response-header limit instead of --max-header-size.
    std::optional<std::uint64_t> max_header_bytes{};
    std::string tags{};  ///< `tags` option, canonical (lse/metrics/tags.hpp): on every request of the scenario
};

}  // namespace lse::lua
