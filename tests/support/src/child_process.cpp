#include "lse/testing/child_process.hpp"

#include "lse/core/errors.hpp"

namespace lse::testing {
namespace {

// Tests compare with shell-style codes: the exit code, or 128 + signal; -1 when the status is unknown.
std::optional<int> Code(const std::optional<process::ExitStatus>& status) {
    if (!status) return std::nullopt;
    return status->Code();
}

}  // namespace

void ChildProcess::Start(std::vector<std::string> argv, ChildOptions options) {
    if (Running()) throw SetupError("ChildProcess::Start: already running (pid " + std::to_string(Pid()) + ")");
    if (argv.empty()) throw SetupError("ChildProcess::Start: empty argv");
    process::SpawnOptions spawn;
    spawn.argv = std::move(argv);
    spawn.env = std::move(options.env);
    spawn.stdout_path = std::move(options.stdout_path);
    spawn.stderr_path = std::move(options.stderr_path);
    spawn.file_mode = 0644;  // tests read these files, sometimes from other tools
    if (const auto error = process_.Start(spawn)) {
        if (error->stage == process::SpawnError::Stage::kOpenFile) {
            throw SetupError("ChildProcess::Start: cannot open '" + error->path + "': " + error->Text());
        }
        throw SetupError("ChildProcess::Start: cannot execute '" + error->path + "': " + error->Text());
    }
}

void ChildProcess::Signal(int sig) noexcept { process_.Signal(sig); }

std::optional<int> ChildProcess::Wait(int timeout_ms) { return Code(process_.Wait(timeout_ms)); }

std::optional<int> ChildProcess::Stop() noexcept { return Code(process_.Stop()); }

}  // namespace lse::testing
