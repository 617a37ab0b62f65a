#include "lse/process/process.hpp"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <thread>
#include <utility>

#include "spawn.hpp"

namespace lse::process {
namespace {

// Children are polled (not waited for with SIGCHLD): the owners are loops or tests that must not have their
// signal dispositions changed. 5 ms keeps a stop quick without spinning.
constexpr auto kPollInterval = std::chrono::milliseconds(5);

}  // namespace

std::string SpawnError::Text() const { return std::strerror(error); }

Process::~Process() { Stop(); }

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), status_(std::exchange(other.status_, std::nullopt)) {}

Process& Process::operator=(Process&& other) noexcept {
    if (this != &other) {
        Stop();
        pid_ = std::exchange(other.pid_, -1);
        status_ = std::exchange(other.status_, std::nullopt);
    }
    return *this;
}

std::optional<SpawnError> Process::Start(const SpawnOptions& options) {
    SpawnError error;
    const pid_t pid = detail::Spawn(options, &error);
    if (pid < 0) return error;
    pid_ = pid;
    status_.reset();
    return std::nullopt;
}

void Process::Signal(int sig) noexcept {
    if (Running()) kill(pid_, sig);
}

std::optional<ExitStatus> Process::Poll() noexcept {
    if (!Running()) return status_;
    int raw = 0;
    pid_t r;
    do {
        r = waitpid(pid_, &raw, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == pid_) {
        status_ = ExitStatus::FromWait(raw);
    } else if (r < 0) {  // ECHILD: someone else reaped it; it is gone all the same
        status_ = ExitStatus::Lost();
    } else {
        return std::nullopt;
    }
    pid_ = -1;
    return status_;
}

std::optional<ExitStatus> Process::Wait(int timeout_ms) noexcept {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        if (auto status = Poll(); status || !Running()) return status;
        if (timeout_ms >= 0 && std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(kPollInterval);
    }
}

std::optional<ExitStatus> Process::Stop(int grace_ms) noexcept {
    StopAll({this}, grace_ms);
    return status_;
}

void StopAll(std::vector<Process*> children, int grace_ms) noexcept {
    for (Process* p : children) p->Signal(SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
    for (Process* p : children) {
        if (!p->Running()) continue;
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (p->Wait(static_cast<int>(std::max<std::int64_t>(0, left.count())))) continue;
        p->Signal(SIGKILL);
        p->Wait(-1);
    }
}

}  // namespace lse::process
