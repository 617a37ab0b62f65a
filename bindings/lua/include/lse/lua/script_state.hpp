#pragma once
/// @file
/// Loading a scenario file into a lua_State. One state per worker thread (and one
/// for the CLI's validation); the file's top level runs once per state.
///
/// Globals the loader installs before running the file:
///   scenario{...}            declares a scenario, returns its object (methods :task, hooks)
///   shared                   run-wide table (see shared_store.hpp), same contents on every thread
///   json.encode / json.decode
///   lsengine.seq(), lsengine.random(a, b), lsengine.uuid(), lsengine.vuser()
///   lsengine.env.KEY         the script's environment (-e, --env-file; script_env.hpp); os.getenv sees it too
/// `require "lib.util"` looks in the script's directory first (<dir>/lib/util.lua, <dir>/lib/util/init.lua),
/// then Lua's default path: a script and its modules can be run from any working directory.
/// The runtime (lua_runner) installs the yielding/phase-bound globals through `install_runtime`
/// before the file runs: check(name, cond), sleep(d). Calling them at file level is an error
/// that names the function and the phase.
///
/// Contract with the runner: it calls SetCurrentVu(id) before every resume of a VU coroutine
/// (0: setup/teardown and file level); lsengine.vuser() returns that id.
/// scenario{} and flow:task() may only be called while the file's top level runs.
/// shared:once() waits for another caller by calling the global sleep(0.005) in a loop, so
/// `sleep` must yield (it is the runtime's).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lse/lua/scenario_def.hpp"
#include "lse/lua/script_env.hpp"

struct lua_State;

namespace lse::lua {

class SharedStore;

/// Default instruction budget of one run of Lua code (an iteration, a hook, the file's top level): far more than any
/// sane iteration executes (about 1.5 s of pure Lua), so only runaway code reaches it.
inline constexpr std::int64_t kDefaultMaxInstructions = 1'000'000'000;

struct ScriptLoadOptions {
    std::shared_ptr<SharedStore> shared;                   ///< null: a private store (validation)
    std::function<void(lua_State*)> install_runtime;        ///< installs check/sleep etc.; may be empty
    /// Seeds lsengine.random()/uuid() of this state; 0 = nondeterministic. Give each worker's
    /// state a different seed (e.g. run seed + worker index) so their streams differ.
    std::uint64_t seed = 0;
    /// Instruction budget per run of Lua code (see ScriptState::ChargeTo); 0 = off. On, the state runs in LuaJIT's
    /// interpreter: a compiled trace never runs the count hook, so `while true do end` could not be stopped.
    std::int64_t max_instructions = kDefaultMaxInstructions;
    /// lsengine.env and os.getenv (-e, --env-file); null: empty.
    std::shared_ptr<const ScriptEnv> env{};
};

namespace detail {
struct LoadContext;
}

/// Owns a lua_State (LuaJIT) with the file loaded. Throws lse::ScriptError for syntax and
/// runtime errors at load ("checkout.lua:7: unexpected symbol near 'end'", with traceback) and
/// lse::UsageError for invalid declarations ("checkout.lua:3: scenario 'checkout': unknown option
/// 'durration' (did you mean 'duration'?)"), a missing file, no scenario, or a scenario with no task.
class ScriptState {
public:
    ScriptState(const std::string& path, ScriptLoadOptions options);
    ~ScriptState();
    ScriptState(const ScriptState&) = delete;
    ScriptState& operator=(const ScriptState&) = delete;

    lua_State* L() const noexcept { return L_; }
    const std::vector<ScenarioDef>& Scenarios() const noexcept { return defs_; }
    const ScenarioDef* Find(const std::string& name) const noexcept;
    const std::string& Path() const noexcept { return path_; }

    /// Pushes the scenario object for `name` (a table) onto L's stack. Its fields, for the runner:
    ///   __tasks   = array of { name = string, weight = number, fn = function }   (declaration order)
    ///   on_start, on_stop, setup, teardown = function or nil   (defined as methods: flow:on_start(http))
    /// Returns false (pushing nil) if there is no such scenario.
    bool PushScenario(const std::string& name) const;

    /// The id lsengine.vuser() returns from now on (the running virtual user's; 0 = none).
    void SetCurrentVu(int id) noexcept;

    /// Instruction budget: Lua instructions executed from now on are added to *used (null: not counted). Once it
    /// exceeds max_instructions the running code gets a Lua error "file.lua:LINE: task 'browse' ran more than N
    /// Lua instructions..." naming `phase` ("task", "on_start", ...) and `task` (may be empty). The runner points it
    /// at the running virtual user's counter before each resume, so the budget covers a whole iteration. The
    /// views must outlive the charge. Counted by a count hook every few thousand instructions: cheap, not exact.
    void ChargeTo(std::int64_t* used, std::string_view phase, std::string_view task) noexcept;
    std::int64_t MaxInstructions() const noexcept { return budget_.max; }

    /// What the count hook reads (through the registry: hooks get only the lua_State).
    struct Budget {
        std::int64_t max = 0;     ///< 0: no hook
        std::int64_t period = 0;  ///< instructions between two hook calls
        std::int64_t* used = nullptr;
        std::string_view phase;
        std::string_view task;
    };

private:
    void Load();

    std::string path_;
    lua_State* L_ = nullptr;
    std::vector<ScenarioDef> defs_;
    std::unique_ptr<detail::LoadContext> ctx_;  // outlives L_: C functions reach it through the registry
    std::shared_ptr<const ScriptEnv> env_;      // outlives L_: os.getenv and lsengine.env read it
    Budget budget_;
};

/// LuaJIT shortens chunk names of 60+ characters ("...s/very/long/path.lua:3:"); this puts the full
/// path back into an error message or traceback, so messages always start with "<path>:<line>:".
std::string ExpandChunkNames(const std::string& message, const std::string& path);

/// Convenience for the CLI: loads the file in a throwaway state and returns its scenarios.
std::vector<ScenarioDef> LoadScenarioDefs(const std::string& path,
                                          std::int64_t max_instructions = kDefaultMaxInstructions,
                                          std::shared_ptr<const ScriptEnv> env = nullptr);

/// The directory `require` searches first for a script at `path`: its directory, or "." for a bare file name.
std::string ScriptDirectory(const std::string& path);

}  // namespace lse::lua
