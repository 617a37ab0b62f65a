#pragma once
/// @file
/// The Lua implementation of runtime::IterationRunner: every virtual user is a
/// coroutine on the worker's lua_State; an iteration runs one task (picked by
/// weight), http calls yield to the loop, sleep() yields to a timer. Prepare runs
/// on_start for each virtual user, Finish runs on_stop.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lse/core/error_kind.hpp"
#include "lse/http/client.hpp"
#include "lse/http/request.hpp"
#include "lse/http/url.hpp"
#include "lse/lua/script_env.hpp"
#include "lse/runtime/iteration_runner.hpp"
#include "lse/runtime/status_set.hpp"

namespace lse::lua {

class SharedStore;

/// One request as a script made it, for --dry-run and (distributed mode) plan capture.
struct CapturedRequest {
    std::string phase;  ///< "setup", "on_start", a task name, "on_stop", "teardown"
    int vu = 0;         ///< virtual user id (1-based); 0 for setup/teardown
    std::string method;
    std::string url;    ///< absolute URL as sent
    http::HeaderList headers;  ///< as sent, unredacted (printers redact)
    std::string body;
    int status = 0;
    ErrorKind error = ErrorKind::kNone;
};

/// Receives captured requests; called on a loop thread.
class CaptureSink {
public:
    virtual ~CaptureSink() = default;
    virtual void OnRequest(const CapturedRequest& r) = 0;
};

struct LuaRunConfig {
    std::string script_path;
    std::string scenario;          ///< which scenario of the file this runner runs
    http::Url target;              ///< base URL; script paths ("/api/x") are resolved against it
    std::shared_ptr<SharedStore> shared;
    std::uint64_t seed = 1;
    int total_vusers = 1;          ///< across all workers (virtual user ids are 1..total_vusers)
    int on_start_concurrency = 64; ///< on_start / on_stop run for this many virtual users at once per worker
    std::int64_t request_timeout_ns = 30'000'000'000;
    /// Options of every client created outside the load (setup, teardown, --dry-run, plan capture), so that
    /// --insecure, --ca-file and --connect-timeout apply there as they do in the load. request_timeout_ns
    /// above wins over client.request_timeout_ns.
    http::ClientOptions client;
    runtime::StatusSet default_expect = runtime::StatusSet::SuccessAndRedirects();
    CaptureSink* capture = nullptr;  ///< optional; must be thread-safe if several workers share it
    /// Lua instructions one run (an iteration, a hook) may execute before it fails as a runaway (kScript); 0 = no
    /// limit. max_instructions in scenario{}, --max-instructions; default lua::kDefaultMaxInstructions.
    std::int64_t max_instructions = 1'000'000'000;
    /// on_start_failure = "abort": one virtual user whose on_start failed stops the run (exit 4). Default
    /// ("skip"): such users take no load and the summary says "N of M ready".
    bool abort_on_start_failure = false;
    /// Set by plan capture for its private engine: the state's tonumber also reads response values
    /// (capture/response_values.hpp); installed before the script loads, so `local tonumber = tonumber` sees it.
    bool plan_capture = false;
    /// Redirects a request follows when it does not say (opts.redirects): --max-redirects, else the scenario's
    /// `redirects`, else http::kDefaultMaxRedirects. 0: none (a 3xx is the response).
    int max_redirects = 10;
    /// lsengine.env and os.getenv of every state of the run (-e, --env-file); null: empty.
    std::shared_ptr<const ScriptEnv> env;
    /// What setup() returned, as JSON (setup_data.hpp); empty: none. Set after setup ran (RunScenarioHook) and
    /// passed to on_start, tasks, on_stop and teardown as the argument after `http`.
    std::string setup_data;
    /// Requests offer compressed responses (Accept-Encoding: gzip, deflate, br) unless a request says otherwise
    /// (its `compression` option, or an Accept-Encoding header); false: --no-compression or the scenario's
    /// compression = false.
    bool compression = true;
};

runtime::RunnerFactory MakeLuaRunnerFactory(std::shared_ptr<const LuaRunConfig> config);

}  // namespace lse::lua
