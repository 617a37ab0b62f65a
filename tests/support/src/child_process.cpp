#include "lse/testing/child_process.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <map>
#include <thread>

#include "lse/core/errors.hpp"

extern char** environ;

namespace lse::testing {
namespace {

// Resolved before fork: after fork in a (possibly multi-threaded) test binary only
// async-signal-safe calls are allowed, so no PATH walking or allocation in the child.
std::string ResolveProgram(const std::string& name) {
    if (name.find('/') != std::string::npos) return name;
    const char* path = std::getenv("PATH");
    std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";
    size_t start = 0;
    while (start <= dirs.size()) {
        size_t end = dirs.find(':', start);
        if (end == std::string::npos) end = dirs.size();
        std::string dir = dirs.substr(start, end - start);
        if (dir.empty()) dir = ".";
        std::string candidate = dir + "/" + name;
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
        start = end + 1;
    }
    return name;  // exec will fail with ENOENT and report it.
}

std::vector<std::string> BuildEnv(const std::vector<std::pair<std::string, std::string>>& additions) {
    std::map<std::string, std::string> vars;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        std::string entry(*e);
        size_t eq = entry.find('=');
        if (eq == std::string::npos) continue;
        vars[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    for (const auto& [key, value] : additions) vars[key] = value;
    std::vector<std::string> out;
    out.reserve(vars.size());
    for (const auto& [key, value] : vars) out.push_back(key + "=" + value);
    return out;
}

int DecodeStatus(int raw) {
    if (WIFEXITED(raw)) return WEXITSTATUS(raw);
    if (WIFSIGNALED(raw)) return 128 + WTERMSIG(raw);
    return -1;
}

[[noreturn]] void ChildFail(int report_fd) {
    int err = errno;
    ssize_t ignored = write(report_fd, &err, sizeof(err));
    (void)ignored;
    _exit(127);
}

}  // namespace

ChildProcess::~ChildProcess() { Stop(); }

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), status_(std::exchange(other.status_, std::nullopt)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
    if (this != &other) {
        Stop();
        pid_ = std::exchange(other.pid_, -1);
        status_ = std::exchange(other.status_, std::nullopt);
    }
    return *this;
}

void ChildProcess::Start(std::vector<std::string> argv, ChildOptions options) {
    if (Running()) throw SetupError("ChildProcess::Start: already running (pid " + std::to_string(pid_) + ")");
    if (argv.empty()) throw SetupError("ChildProcess::Start: empty argv");

    const std::string program = ResolveProgram(argv[0]);
    std::vector<std::string> env = BuildEnv(options.env);
    std::vector<char*> c_argv;
    for (auto& a : argv) c_argv.push_back(a.data());
    c_argv.push_back(nullptr);
    std::vector<char*> c_env;
    for (auto& e : env) c_env.push_back(e.data());
    c_env.push_back(nullptr);

    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) throw SetupError("ChildProcess::Start: pipe2: " + std::string(strerror(errno)));

    const pid_t parent = getpid();
    const pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        close(report[0]);
        close(report[1]);
        throw SetupError("ChildProcess::Start: fork: " + std::string(strerror(err)));
    }
    if (pid == 0) {
        close(report[0]);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) ChildFail(report[1]);
        // The parent may have died between fork() and prctl(): then nobody would ever kill us.
        if (getppid() != parent) _exit(127);
        // Tests may block or ignore signals; the child starts with a clean slate.
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, nullptr);
        signal(SIGPIPE, SIG_DFL);
        const char* out_path = options.stdout_path.empty() ? nullptr : options.stdout_path.c_str();
        const char* err_path = options.stderr_path.empty() ? nullptr : options.stderr_path.c_str();
        int out_fd = -1;
        if (out_path != nullptr) {
            out_fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (out_fd < 0 || dup2(out_fd, STDOUT_FILENO) < 0) ChildFail(report[1]);
        }
        if (err_path != nullptr) {
            if (out_path != nullptr && std::strcmp(out_path, err_path) == 0) {
                if (dup2(STDOUT_FILENO, STDERR_FILENO) < 0) ChildFail(report[1]);
            } else {
                int err_fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                if (err_fd < 0 || dup2(err_fd, STDERR_FILENO) < 0) ChildFail(report[1]);
            }
        }
        execve(program.c_str(), c_argv.data(), c_env.data());
        ChildFail(report[1]);
    }

    close(report[1]);
    int child_errno = 0;
    ssize_t n;
    do {
        n = read(report[0], &child_errno, sizeof(child_errno));
    } while (n < 0 && errno == EINTR);
    close(report[0]);
    pid_ = pid;
    status_.reset();
    if (n > 0) {
        Wait(-1);
        pid_ = -1;
        throw SetupError("ChildProcess::Start: cannot execute '" + program + "': " + strerror(child_errno));
    }
}

void ChildProcess::Signal(int sig) noexcept {
    if (Running()) kill(pid_, sig);
}

std::optional<int> ChildProcess::Wait(int timeout_ms) {
    if (!Running()) return status_;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
        int raw = 0;
        pid_t r = waitpid(pid_, &raw, timeout_ms < 0 ? 0 : WNOHANG);
        if (r == pid_) {
            status_ = DecodeStatus(raw);
            pid_ = -1;
            return status_;
        }
        if (r < 0 && errno != EINTR) {  // ECHILD: someone else reaped it; treat as gone.
            pid_ = -1;
            status_ = -1;
            return status_;
        }
        if (timeout_ms >= 0 && std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
}

std::optional<int> ChildProcess::Stop() noexcept {
    if (!Running()) return status_;
    Signal(SIGTERM);
    std::optional<int> status = Wait(3000);
    if (status) return status;
    Signal(SIGKILL);
    return Wait(-1);
}

}  // namespace lse::testing
