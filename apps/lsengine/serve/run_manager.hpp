#pragma once
/// @file
/// The service's runs: one at a time, each a child `lsengine run` process (a script cannot take the service
/// down) writing its ndjson, summary JSON, HTML report and log into its own directory under --data-dir.
/// Children are started and reaped by the manager's own thread: PR_SET_PDEATHSIG is tied to the thread that
/// forks, and HTTP connection threads come and go.

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "lse/process/process.hpp"
#include "run_request.hpp"

namespace lse::service {

enum class RunStatus { kQueued, kRunning, kPassed, kFailed, kInterrupted, kError };
std::string_view RunStatusName(RunStatus s) noexcept;  ///< "queued", "running", "passed", ...
/// passed (exit 0); failed (thresholds 3, script errors 7, nothing succeeded 8); interrupted (130, or killed
/// after a stop was asked for); error (everything else: bad script, setup, infrastructure).
RunStatus StatusOfExit(int exit_code, bool stop_requested) noexcept;

/// A run as the API shows it (a copy: the manager keeps the original).
struct RunInfo {
    std::string id;
    RunStatus status = RunStatus::kQueued;
    std::optional<int> exit_code;
    std::string exit_text;     ///< "exited with code 3", "was killed by signal 9"
    std::string error;         ///< why it could not start
    int agents = 0;
    int stop_requests = 0;     ///< DELETEs so far: 1 drains, 2 aborts
    std::int64_t created_unix_ms = 0;
    std::int64_t ended_unix_ms = 0;
    RunFiles files;
    int prometheus_port = 0;   ///< the child's /metrics while it runs

    bool Finished() const noexcept { return status != RunStatus::kQueued && status != RunStatus::kRunning; }
};

/// Thrown by Submit while another run is active (the API answers 409).
class RunConflict : public std::runtime_error {
public:
    RunConflict(std::string active_id)
        : std::runtime_error("run " + active_id + " is still running (one run at a time)"), active_(std::move(active_id)) {}
    const std::string& Active() const noexcept { return active_; }

private:
    std::string active_;
};

struct RunManagerOptions {
    std::string lsengine_binary;  ///< the `lsengine` the children run (this executable)
    std::string data_dir;
    BrokerAccess broker;
    std::vector<std::pair<std::string, std::string>> child_env;  ///< LSENGINE_NATS_TOKEN for the broker
};

class RunManager {
public:
    explicit RunManager(RunManagerOptions options);  ///< Creates data_dir (throws lse::SetupError when it cannot).
    ~RunManager();                                   ///< Shutdown(0).
    RunManager(const RunManager&) = delete;
    RunManager& operator=(const RunManager&) = delete;

    /// Starts a run; returns its id once the child runs. Throws RunConflict while one is active,
    /// lse::UsageError for a request that cannot run, lse::SetupError when the child cannot be started (the
    /// run is recorded with status error then).
    std::string Submit(const RunRequest& request);

    std::optional<RunInfo> Get(const std::string& id) const;
    std::vector<RunInfo> List() const;
    /// The active run (queued or running), if any.
    std::optional<RunInfo> Active() const;

    enum class StopResult { kNotFound, kAlreadyFinished, kDraining, kAborting };
    /// First call: SIGINT to the child (it drains like Ctrl-C and writes its summary); later calls: SIGTERM
    /// twice more, which aborts it.
    StopResult Stop(const std::string& id);

    /// Finished runs per status, for /metrics.
    std::map<RunStatus, std::int64_t> FinishedCounts() const;

    /// Drains the active run (up to grace_ms, then kills it) and stops the thread. Idempotent.
    void Shutdown(int grace_ms) noexcept;

private:
    struct Run {
        RunInfo info;
        std::vector<std::string> argv;
        process::Process process;
        bool start_requested = false;
        bool start_done = false;
    };

    void Loop();
    void StartChild(Run* run);
    void Reap(Run* run, const process::ExitStatus& status);
    std::string NewId() const;

    RunManagerOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::map<std::string, std::unique_ptr<Run>> runs_;  // guarded by mutex_
    std::vector<std::string> order_;                    // ids in submission order
    Run* active_ = nullptr;
    std::map<RunStatus, std::int64_t> finished_;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace lse::service
