#pragma once
/// @file
/// Per-lua_State data the C functions of the loader need (scenario declarations being
/// collected, the shared store, the template RNG). Owned by ScriptState; reached from C
/// functions through a registry pointer.

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "lse/lua/scenario_def.hpp"
#include "lse/metrics/snapshot.hpp"
#include "lse/lua/shared_store.hpp"

struct lua_State;

namespace lse::lua::capture {
class ResponseValues;
class MetricCapture;
}

namespace lse::runtime {
class MetricsRecorder;
}

namespace lse::lua::detail {

/// Registry field holding the array of scenario objects, parallel to LoadContext::defs.
inline constexpr char kScenariosKey[] = "lse.scenarios";

struct LoadContext {
    std::string path;          ///< as given: error messages and defined_at use it
    std::string default_name;  ///< file name without directory and ".lua"
    std::shared_ptr<SharedStore> shared;
    std::vector<ScenarioDef> defs;       ///< options and call sites, filled by scenario{}
    std::vector<bool> explicit_names;    ///< parallel to defs: `name =` was given
    bool loading = true;                 ///< scenario{} / :task() only while the top level runs
    std::string usage_error;             ///< first declaration error (raised as lse::UsageError)
    std::mt19937_64 rng;
    /// Set by plan capture (plan_capture.hpp) while it captures tasks: lsengine.seq()/random()/uuid()
    /// then return placeholders (plan_capture_templates.hpp).
    bool capture_mode = false;
    /// Set while a plan capture owns the state (response_values.hpp): the encoders (json, form, query,
    /// headers, body, path) ask it for the text of a response value.
    capture::ResponseValues* response_values = nullptr;
    /// ScriptState::SetCurrentVu: the running virtual user's id (0: setup/teardown, file level),
    /// what lsengine.vuser() returns. A plain field, not a registry entry: the runner writes it
    /// on every resume of a coroutine, so it must cost nothing.
    int current_vu = 0;
    /// Capture mode: rows each data file has handed out in the task iteration being captured (by declaration
    /// index); a row's fields become placeholders naming their draw (data_binding.hpp). The recorder clears it
    /// at each task.
    std::vector<std::uint32_t> capture_draws;
    /// Data files declared so far by this state's top level (the next one's index).
    std::size_t data_declared = 0;
    /// Where lsengine.metrics.* record (metrics_binding.hpp): the worker's recorder, set by the runtime before
    /// the file runs; null (a state that only validates the script): `own_metrics` holds them.
    runtime::MetricsRecorder* recorder = nullptr;
    metrics::Snapshot own_metrics;
    /// Capture mode: add()/set() in a task become plan metric steps here instead of samples (metrics_binding.hpp).
    capture::MetricCapture* metric_capture = nullptr;
    /// Metrics declared in this state, by declaration order (the metric objects hold the index).
    struct DeclaredMetric {
        std::string name;
        metrics::CustomMetricKind kind;
        std::string site;  ///< "file.lua:3": where it was declared first
        metrics::CustomMetric* target = nullptr;
    };
    std::vector<DeclaredMetric> declared_metrics;
};

void SetContext(lua_State* L, LoadContext* ctx);
LoadContext* GetContext(lua_State* L);

/// "file.lua:12" for the Lua function `level` frames up the stack (1 = the caller of a C function).
std::string CallSite(lua_State* L, int level);

}  // namespace lse::lua::detail
