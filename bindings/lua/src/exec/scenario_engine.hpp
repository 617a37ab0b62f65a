#pragma once
/// @file
/// Runs one scenario's Lua code for a set of virtual users on one libuv loop: loads the
/// script (ScriptState), installs check/sleep and the http object, starts phases (setup,
/// on_start, a task, on_stop, teardown) on virtual users as coroutines, resumes them when
/// their request completes or their sleep ends, and reports every finished run to a
/// listener. Shared by the load runner (a worker's loop) and lifecycle (a private loop).
///
/// Idle virtual users hold no libuv handle and no exchange: exchanges come from a pool when
/// a request starts, and all sleeps share one timer over a heap of deadlines.

#include <uv.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "lse/http/client.hpp"
#include "lse/lua/lua_runner.hpp"
#include "lse/lua/script_state.hpp"
#include "lse/runtime/metrics_recorder.hpp"
#include "protected_call.hpp"
#include "request_options.hpp"
#include "response_object.hpp"
#include "lse/runtime/weighted_picker.hpp"
#include "vuser.hpp"

namespace lse::lua {

/// A request in flight: pooled, reused across requests and virtual users.
struct PendingRequest {
    http::Exchange exchange;
    http::PreparedRequest prepared;
    RequestSpec spec;
    class ScenarioEngine* engine = nullptr;
    Vu* vu = nullptr;  ///< null: orphaned (its coroutine died); completes into the pool
    int stat_index = 0;
    // Redirects (lse/http/redirect.hpp): each hop rewrites spec (method, url, headers, body) and is sent again on
    // the same exchange. The buffers below keep their capacity across requests.
    int max_redirects = 0;      ///< hops this request may follow
    int redirects = 0;          ///< hops followed so far (r.redirects)
    bool jar_cookie = false;    ///< spec.headers' last entry is the jar's Cookie (re-derived at every hop)
    http::Url hop_url;          ///< the next hop's URL while it is resolved; then the answered hop's
    std::string final_url;      ///< r.url
    std::string message;        ///< "stopped after N redirects ..."
};

/// How a run of a phase on a virtual user ended.
struct RunOutcome {
    ErrorKind failure = ErrorKind::kNone;  ///< first failure (kScript, kCheck, kStatus, transport kinds)
    std::string script_error;              ///< file:line message + traceback when the script raised
    bool cancelled = false;                ///< Abort() cut it short
    bool ok() const noexcept { return failure == ErrorKind::kNone; }
};

class EngineListener {
public:
    virtual ~EngineListener() = default;
    /// A run finished. May start another run (on this or another virtual user).
    virtual void OnRunDone(Vu& vu, const RunOutcome& outcome) = 0;
    /// For --dry-run problem lists; default: ignore.
    virtual void OnCheckFailed(Vu& /*vu*/, std::string_view /*name*/) {}
    virtual void OnRequestFailed(Vu& /*vu*/, const PendingRequest& /*request*/, ErrorKind /*kind*/) {}
};

/// Capture mode (distributed runs, see lse/lua/plan_capture.hpp): while set, the http calls and
/// sleeps of TASK runs go here instead of the network and the timer (the task never yields);
/// setup, on_start, on_stop and teardown still run for real.
class TaskInterceptor {
public:
    virtual ~TaskInterceptor() = default;
    /// Records the request (cookies of the virtual user already added) and pushes exactly one value,
    /// the stand-in response, onto L. May throw std::runtime_error (becomes a Lua error).
    virtual void OnTaskRequest(Vu& vu, const RequestSpec& spec, lua_State* L) = 0;
    virtual void OnTaskSleep(Vu& vu, std::int64_t ns) = 0;
    /// check() was called in a task (before its condition is counted): comparisons on response values that
    /// feed it are not branches.
    virtual void OnTaskCheck(Vu& /*vu*/, std::string_view /*name*/) {}
};

struct EngineContext {
    uv_loop_t* loop = nullptr;
    http::Client* client = nullptr;
    runtime::MetricsRecorder* recorder = nullptr;
    int worker_index = 0;
    int worker_count = 1;
};

// A DecodedBodySink: a response body a script decodes (r.body of a gzip/br response) adds its decoded size to the
// request's row (RequestStats::bytes_decoded), in the worker's recorder.
class ScenarioEngine : private DecodedBodySink {
public:
    /// Loads the script (throws lse::ScriptError / lse::UsageError like ScriptState) and checks
    /// that config.scenario exists (lse::UsageError otherwise).
    ScenarioEngine(const LuaRunConfig& config, EngineContext ctx, EngineListener* listener);
    ~ScenarioEngine();
    ScenarioEngine(const ScenarioEngine&) = delete;
    ScenarioEngine& operator=(const ScenarioEngine&) = delete;

    /// Adds a virtual user with self.id = id. Setup only.
    Vu& AddVu(int id);
    /// Hands an idle virtual user's slot to another user (plan capture streams a million users through a few
    /// slots): self.id = id, a fresh self table (or `self_ref`, one TakeSelf returned: the slot owns it again),
    /// `jar` as its cookies, run state reset; the coroutine is kept for reuse. The old self table is released
    /// unless TakeSelf took it.
    void ReassignVu(Vu& vu, int id, int self_ref = kNoSelf, http::CookieJar jar = {});
    /// Takes an idle virtual user's self table out of it: the caller owns the registry reference until it
    /// gives it back (ReassignVu) or releases it (ReleaseSelf).
    int TakeSelf(Vu& vu) noexcept;
    void ReleaseSelf(int self_ref) noexcept;
    static constexpr int kNoSelf = -2;  ///< LUA_NOREF
    int VuCount() const noexcept { return static_cast<int>(vus_.size()); }
    Vu& VuAt(int index) noexcept { return vus_[static_cast<size_t>(index)]; }

    bool HasHook(Phase phase) const noexcept;
    int TaskCount() const noexcept { return static_cast<int>(tasks_.size()); }
    const std::string& TaskName(int task) const noexcept { return tasks_[static_cast<size_t>(task)].name; }
    int PickTask() noexcept { return picker_->Next(); }
    const std::string& ScenarioName() const noexcept { return config_.scenario; }
    std::string_view PhaseName(const Vu& vu) const noexcept;

    /// Starts `phase` (task index for kTask) on an idle virtual user. The listener hears about the
    /// end, possibly before Start returns (a run that never yields). Does nothing after Abort().
    void Start(Vu& vu, Phase phase, int task, std::int64_t intended_ns);

    /// Cancels every sleeping or waiting run: each is dropped and reported (cancelled, failed).
    /// Later Start() calls are refused (reported as cancelled at once).
    void Abort() noexcept;
    bool Aborted() const noexcept { return aborted_; }
    /// Takes runs again after Abort() once every aborted run has ended (Running() == 0): an interrupted
    /// plan capture still runs on_stop for the users whose on_start finished.
    void Resume() noexcept {
        if (running_ == 0) aborted_ = false;
    }
    int Running() const noexcept { return running_; }

    /// What this engine's setup() returned, as JSON (empty: nothing, or setup has not run here).
    const std::string& SetupResult() const noexcept { return setup_result_; }

    /// Closes the timer and idle handles; `done` runs once they are closed.
    void Close(std::function<void()> done);

    ErrorLog& Errors() noexcept { return errors_; }
    const ScriptState& State() const noexcept { return *state_; }
    /// Capture mode on (non-null) or off; see TaskInterceptor.
    void SetInterceptor(TaskInterceptor* interceptor) noexcept { interceptor_ = interceptor; }
    /// Later requests go through `client` (a private run replaces a client whose idle keep-alive
    /// connections went stale while its loop was not running). Only while nothing is in flight.
    void ReplaceClient(http::Client* client) noexcept { ctx_.client = client; }
    lua_State* L() const noexcept { return state_->L(); }
    /// Approximate C++ bytes held per idle virtual user (for the memory budget test).
    static std::size_t CppBytesPerVu() noexcept;

    // ---- called by the Lua bindings ----
    static ScenarioEngine* FromUpvalue(lua_State* L);
    Vu* FindVu(lua_State* co) noexcept;
    int HttpCall(lua_State* L, int method);  ///< method < 0: http:request(method, path, opts)
    int CheckCall(lua_State* L);
    int SleepCall(lua_State* L);
    /// group(name, fn) (group_binding.cpp): enters the group `name` inside the virtual user's current one and
    /// pushes the group it left (GroupLeaveCall's argument). Throws std::runtime_error for a bad call.
    int GroupEnterCall(lua_State* L);
    int GroupLeaveCall(lua_State* L);
    /// The virtual user's group path ("checkout::payment"); empty outside any group.
    std::string_view GroupPath(const Vu& vu) const noexcept { return group_paths_[static_cast<size_t>(vu.group)]; }

private:
    struct Task {
        std::string name;
        int fn_ref = -2;
        int stat_index = 0;
    };
    struct SleepEntry {
        std::int64_t due_ns;
        Vu* vu;
        std::uint32_t seq;
        bool operator>(const SleepEntry& o) const noexcept { return due_ns > o.due_ns; }
    };

    void InstallRuntime(lua_State* L);
    void LoadScenario();
    void EnsureThread(Vu& vu);
    void DropThread(Vu& vu) noexcept;
    void Resume(Vu& vu, int nargs);
    void EndRun(Vu& vu, std::string script_error, bool cancelled);
    void TakeSetupResult(lua_State* co, std::string* error);
    void SetFailure(Vu& vu, ErrorKind kind, int status = 0) noexcept {
        if (vu.failure != ErrorKind::kNone) return;
        vu.failure = kind;
        vu.failed_status = static_cast<std::uint16_t>(status > 0 && status < 1000 ? status : 0);
    }
    int NameSlot(const Vu& vu) const noexcept;
    void OnBodyDecoded(int stat_index, std::uint64_t bytes) noexcept override {
        ctx_.recorder->RecordDecoded(stat_index, bytes);
    }
    /// The recorder row of a request `name` with canonical `tags` (empty: none) made by `vu` where it is now.
    int StatIndex(const Vu& vu, std::string_view name, std::string_view tags = {});
    /// StatIndex inside a group (group_binding.hpp) or with tags (tags_option.hpp).
    int GroupedStatIndex(const Vu& vu, std::string_view name, std::string_view tags);
    std::size_t TaggedRows(std::size_t slot) const;  // rows of tagged ungrouped requests cached for the slot
    void WarnManyNames(std::string_view task, std::string_view example);
    int CheckIndex(const Vu& vu, std::string_view name);
    std::string_view HostHeaderFor(const http::Origin& origin);
    PendingRequest* TakePending();
    static void OnRequestDone(http::Exchange* exchange, void* user);
    void CompleteRequest(PendingRequest* pending);
    bool FollowRedirect(PendingRequest* p, std::string_view location, std::int64_t intended, std::int64_t started);
    void AddJarCookie(Vu& vu, PendingRequest* p);
    void CaptureExchange(const PendingRequest* p, const Vu* vu, ErrorKind kind);
    void ArmSleepTimer();
    static void OnSleepTimer(uv_timer_t* timer);
    void WakeSleepers();

    LuaRunConfig config_;
    EngineContext ctx_;
    EngineListener* listener_;
    std::unique_ptr<ScriptState> state_;
    std::deque<Vu> vus_;
    std::vector<std::int64_t> instructions_;  // instruction budget: per virtual user (by index), its current run
    std::unordered_map<lua_State*, Vu*> vu_by_thread_;
    Vu* current_ = nullptr;  // the virtual user resumed last (FindVu's fast path)
    std::vector<Task> tasks_;
    std::unique_ptr<runtime::WeightedPicker> picker_;
    int hook_refs_[static_cast<int>(Phase::kCount)];
    int hook_stat_index_[static_cast<int>(Phase::kCount)];  // T row of each hook that exists; -1 otherwise
    int http_ref_ = -2;
    int data_ref_ = -2;         // setup data (frozen), the argument after http; LUA_NOREF: none
    std::string setup_result_;  // setup()'s return value as JSON, when setup ran on this engine
    int self_meta_ref_ = -2;

    // Lookups by string_view without building a key (C++20 heterogeneous lookup).
    struct NameHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
    };
    using NameMap = std::unordered_map<std::string, int, NameHash, std::equal_to<>>;

    std::unordered_map<std::string, int> stat_index_;   // full stat key -> recorder index
    std::unordered_map<std::string, int> check_index_;  // full check key -> recorder index
    // Hot-path caches in front of the two maps above: slot (NameSlot: hook phase, or kCount + task)
    // -> bare request or check name -> recorder index.
    std::vector<NameMap> stat_by_name_;
    struct LastName {
        std::string name;
        int index = -1;
    };
    std::vector<LastName> last_stat_;  // per slot: the name found last in stat_by_name_
    std::vector<NameMap> check_by_name_;
    // Groups (group_binding.cpp): id -> path and id -> child name -> child id; id 0 is "no group". Rows of a
    // grouped request are cached per (slot, group id) -> bare name -> recorder index, beside the caches above.
    std::vector<std::string> group_paths_{std::string()};
    std::vector<NameMap> group_children_{NameMap()};
    std::unordered_map<std::uint64_t, NameMap> grouped_stat_by_name_;
    std::unordered_map<std::uint64_t, NameMap> grouped_check_by_name_;  // checks made in a group, the same way
    std::string scenario_tags_;  // the scenario's `tags` option, canonical: on each of its requests
    // A tagged request is cached there too, under "name\x1f<canonical tags>", built in this reused buffer.
    std::string tagged_lookup_;
    http::Origin host_header_origin_;  // origin whose Host value host_header_ holds
    std::string host_header_;
    bool host_header_valid_ = false;
    std::vector<std::unique_ptr<PendingRequest>> pending_pool_;
    std::vector<PendingRequest*> pending_free_;

    std::vector<SleepEntry> sleep_heap_;  // min-heap on due_ns
    uv_timer_t* sleep_timer_ = nullptr;   // heap-allocated: freed in its close callback
    std::int64_t armed_due_ns_ = -1;

    ErrorLog errors_;
    TaskInterceptor* interceptor_ = nullptr;
    int running_ = 0;
    bool aborted_ = false;
    bool closed_ = false;
};

}  // namespace lse::lua
