#include "run_manager.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "lse/core/errors.hpp"
#include "lse/transport/broker_config.hpp"

namespace lse::service {
namespace {

std::int64_t UnixMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A free loopback port for the child's --prometheus (racy like any such choice, but the child fails loudly when
// it lost the race, and the run's log says so).
int FreeLoopbackPort() {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    int port = 0;
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
        port = ntohs(addr.sin_port);
    }
    close(fd);
    return port;
}

void WriteFile(const std::string& path, const std::string& text, std::filesystem::perms perms) {
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out) throw SetupError("cannot write " + path);
    }
    std::filesystem::permissions(path, perms);
}

}  // namespace

std::string_view RunStatusName(RunStatus s) noexcept {
    switch (s) {
        case RunStatus::kQueued: return "queued";
        case RunStatus::kRunning: return "running";
        case RunStatus::kPassed: return "passed";
        case RunStatus::kFailed: return "failed";
        case RunStatus::kInterrupted: return "interrupted";
        case RunStatus::kError: return "error";
    }
    return "error";
}

RunStatus StatusOfExit(int exit_code, bool stop_requested) noexcept {
    switch (exit_code) {
        case 0: return RunStatus::kPassed;
        case static_cast<int>(ExitCode::kThresholdsFailed):
        case static_cast<int>(ExitCode::kScriptErrors):
        case static_cast<int>(ExitCode::kNothingSucceeded): return RunStatus::kFailed;
        case static_cast<int>(ExitCode::kInterrupted): return RunStatus::kInterrupted;
        default: break;
    }
    // Killed after a DELETE (an abort) is what the client asked for, not a failure of the run.
    return stop_requested && exit_code > 128 ? RunStatus::kInterrupted : RunStatus::kError;
}

RunManager::RunManager(RunManagerOptions options) : options_(std::move(options)) {
    std::error_code ec;
    std::filesystem::create_directories(options_.data_dir, ec);
    if (ec || !std::filesystem::is_directory(options_.data_dir)) {
        throw SetupError("--data-dir " + options_.data_dir + ": cannot create the directory: " + ec.message());
    }
    options_.data_dir = std::filesystem::absolute(options_.data_dir).string();
    thread_ = std::thread([this] { Loop(); });
}

RunManager::~RunManager() { Shutdown(0); }

std::string RunManager::NewId() const {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    return std::string("run-") + stamp + "-" + transport::RandomHexToken(6);
}

std::string RunManager::Submit(const RunRequest& request) {
    auto run = std::make_unique<Run>();
    Run* raw = run.get();
    {
        std::lock_guard lock(mutex_);
        if (stopping_) throw SetupError("the service is shutting down");
        if (active_ != nullptr) throw RunConflict(active_->info.id);
        run->info.id = NewId();
        run->info.created_unix_ms = UnixMs();
        run->info.agents = request.agents;
        run->info.files.dir = options_.data_dir + "/" + run->info.id;
        active_ = raw;  // holds the slot while the files are written: a second POST gets 409 at once
        order_.push_back(run->info.id);
        runs_[run->info.id] = std::move(run);
    }
    try {
        const RunFiles& files = raw->info.files;
        std::filesystem::create_directory(files.dir);
        std::filesystem::permissions(files.dir, std::filesystem::perms::owner_all);
        if (!request.script.empty()) WriteFile(files.Script(), request.script, std::filesystem::perms::owner_read |
                                                                                 std::filesystem::perms::owner_write);
        if (!request.env.empty()) {
            WriteFile(files.EnvFile(), EnvFileText(request.env),
                      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
        }
        raw->info.prometheus_port = FreeLoopbackPort();
        raw->argv = RunArgv(options_.lsengine_binary, request, files, options_.broker, raw->info.prometheus_port);
    } catch (const std::exception& e) {
        std::lock_guard lock(mutex_);
        raw->info.status = RunStatus::kError;
        raw->info.error = e.what();
        raw->info.ended_unix_ms = UnixMs();
        ++finished_[RunStatus::kError];
        active_ = nullptr;
        throw;
    }
    std::unique_lock lock(mutex_);
    raw->start_requested = true;
    cv_.notify_all();
    cv_.wait(lock, [this, raw] { return raw->start_done || stopping_; });
    if (!raw->start_done) throw SetupError("the service is shutting down");
    if (raw->info.status == RunStatus::kError) throw SetupError(raw->info.error);
    return raw->info.id;
}

// On the manager's thread, with mutex_ held.
void RunManager::StartChild(Run* run) {
    process::SpawnOptions spawn;
    spawn.argv = run->argv;
    spawn.env = options_.child_env;
    spawn.stdout_path = run->info.files.Log();
    spawn.stderr_path = run->info.files.Log();
    spawn.stdin_null = true;
    spawn.new_process_group = true;  // a Ctrl-C on the service's terminal is the service's to handle
    if (const auto failed = run->process.Start(spawn)) {
        run->info.status = RunStatus::kError;
        run->info.error = "cannot start " + failed->path + ": " + failed->Text();
        run->info.ended_unix_ms = UnixMs();
        ++finished_[RunStatus::kError];
        active_ = nullptr;
    } else {
        run->info.status = RunStatus::kRunning;
    }
    run->start_done = true;
}

void RunManager::Reap(Run* run, const process::ExitStatus& status) {
    run->info.exit_code = status.Code();
    run->info.exit_text = status.Describe();
    run->info.status = StatusOfExit(status.Code(), run->info.stop_requests > 0);
    run->info.ended_unix_ms = UnixMs();
    ++finished_[run->info.status];
    if (active_ == run) active_ = nullptr;
}

void RunManager::Loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        cv_.wait_for(lock, std::chrono::milliseconds(100));
        if (active_ == nullptr) continue;
        Run* run = active_;
        if (run->start_requested && !run->start_done) {
            StartChild(run);
            cv_.notify_all();
            continue;
        }
        if (run->info.status != RunStatus::kRunning) continue;
        if (const auto status = run->process.Poll()) {
            Reap(run, *status);
            cv_.notify_all();
        }
    }
}

std::optional<RunInfo> RunManager::Get(const std::string& id) const {
    std::lock_guard lock(mutex_);
    const auto it = runs_.find(id);
    if (it == runs_.end()) return std::nullopt;
    return it->second->info;
}

std::vector<RunInfo> RunManager::List() const {
    std::lock_guard lock(mutex_);
    std::vector<RunInfo> out;
    for (const std::string& id : order_) out.push_back(runs_.at(id)->info);
    return out;
}

std::optional<RunInfo> RunManager::Active() const {
    std::lock_guard lock(mutex_);
    if (active_ == nullptr) return std::nullopt;
    return active_->info;
}

RunManager::StopResult RunManager::Stop(const std::string& id) {
    std::lock_guard lock(mutex_);
    const auto it = runs_.find(id);
    if (it == runs_.end()) return StopResult::kNotFound;
    Run& run = *it->second;
    if (run.info.Finished() || !run.process.Running()) return StopResult::kAlreadyFinished;
    ++run.info.stop_requests;
    // lsengine's rule (StopSignals): the first SIGINT drains and writes the summary, a second aborts.
    run.process.Signal(run.info.stop_requests <= 2 ? SIGINT : SIGKILL);
    return run.info.stop_requests == 1 ? StopResult::kDraining : StopResult::kAborting;
}

std::map<RunStatus, std::int64_t> RunManager::FinishedCounts() const {
    std::lock_guard lock(mutex_);
    return finished_;
}

void RunManager::Shutdown(int grace_ms) noexcept {
    {
        std::unique_lock lock(mutex_);
        if (!thread_.joinable()) return;
        // The manager's thread keeps reaping (a Process has one owner thread); this one only signals and waits.
        if (active_ != nullptr && active_->process.Running()) {
            ++active_->info.stop_requests;
            active_->process.Signal(SIGINT);
            if (!cv_.wait_for(lock, std::chrono::milliseconds(grace_ms), [this] { return active_ == nullptr; })) {
                if (active_ != nullptr) active_->process.Signal(SIGKILL);
                cv_.wait_for(lock, std::chrono::seconds(5), [this] { return active_ == nullptr; });
            }
        }
        stopping_ = true;
        cv_.notify_all();
    }
    thread_.join();
}

}  // namespace lse::service
