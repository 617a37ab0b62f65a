#include "spawn.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "lse/process/find_program.hpp"

extern char** environ;

namespace lse::process::detail {
namespace {

/// What the child writes to the report pipe when it cannot exec: which step failed and errno.
struct ChildReport {
    int stage;
    int error;
    int fd;  // for kOpenFile: 1 (stdout) or 2 (stderr)
};

/// The parent's environment with `env` set: existing keys replaced in place, new ones appended.
std::vector<std::string> BuildEnv(const SpawnOptions& options) {
    std::vector<std::string> out;
    auto overridden = [&](const char* entry) {
        for (const auto& [key, value] : options.env) {
            if (std::strncmp(entry, key.c_str(), key.size()) == 0 && entry[key.size()] == '=') return true;
        }
        return false;
    };
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        if (!overridden(*e)) out.emplace_back(*e);
    }
    for (const auto& [key, value] : options.env) out.push_back(key + "=" + value);
    return out;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

/// dup2 onto `target`, then close the original so the program does not inherit a stray descriptor.
bool MoveFd(int fd, int target) {
    if (fd < 0) return false;
    if (fd == target) return true;
    const bool ok = dup2(fd, target) >= 0;
    close(fd);
    return ok;
}

[[noreturn]] void ChildFail(int report_fd, SpawnError::Stage stage, int fd = 0) {
    const ChildReport report{static_cast<int>(stage), errno, fd};
    [[maybe_unused]] ssize_t n = write(report_fd, &report, sizeof(report));
    _exit(127);
}

struct ChildPlan {  // everything the child needs, prepared before fork
    const char* program;
    char* const* argv;
    char* const* envp;
    const char* out_path;  // nullptr: inherit
    const char* err_path;
    int open_flags;
    mode_t mode;
    bool stdin_null;
    bool die_with_parent;
    bool new_process_group;
    pid_t parent;
    int report_fd;
};

/// Runs in the forked child: only async-signal-safe calls from here on (the parent may have other threads,
/// one of which may hold the malloc lock).
[[noreturn]] void RunChild(const ChildPlan& p) {
    if (p.die_with_parent) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) ChildFail(p.report_fd, SpawnError::Stage::kExec);
        // The parent may have died between fork() and prctl(): then nobody would ever kill us.
        if (getppid() != p.parent) _exit(127);
    }
    if (p.new_process_group) setpgid(0, 0);
    // The parent may block or ignore signals (tests, the coordinator's signal handling); the child starts clean.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    signal(SIGPIPE, SIG_DFL);  // an ignored SIGPIPE would survive exec
    if (p.stdin_null) {
        MoveFd(open("/dev/null", O_RDONLY), STDIN_FILENO);
    }
    if (p.out_path != nullptr) {
        if (!MoveFd(open(p.out_path, p.open_flags, p.mode), STDOUT_FILENO)) {
            ChildFail(p.report_fd, SpawnError::Stage::kOpenFile, 1);
        }
    }
    if (p.err_path != nullptr) {
        if (p.out_path != nullptr && std::strcmp(p.out_path, p.err_path) == 0) {
            if (dup2(STDOUT_FILENO, STDERR_FILENO) < 0) ChildFail(p.report_fd, SpawnError::Stage::kOpenFile, 2);
        } else {
            if (!MoveFd(open(p.err_path, p.open_flags, p.mode), STDERR_FILENO)) {
                ChildFail(p.report_fd, SpawnError::Stage::kOpenFile, 2);
            }
        }
    }
    execve(p.program, p.argv, p.envp);
    ChildFail(p.report_fd, SpawnError::Stage::kExec);
}

}  // namespace

pid_t Spawn(const SpawnOptions& options, SpawnError* error) {
    auto fail = [&](SpawnError::Stage stage, int err, std::string path) {
        *error = SpawnError{stage, err, std::move(path)};
        return pid_t{-1};
    };
    if (options.argv.empty()) return fail(SpawnError::Stage::kNotFound, ENOENT, "");
    const std::string program = FindProgram(options.argv[0]);
    if (program.empty()) return fail(SpawnError::Stage::kNotFound, ENOENT, options.argv[0]);

    std::vector<std::string> args = options.argv;
    std::vector<std::string> env = BuildEnv(options);
    const std::vector<char*> c_argv = CStrings(args);
    const std::vector<char*> c_env = CStrings(env);

    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) return fail(SpawnError::Stage::kSetup, errno, program);
    const ChildPlan plan{program.c_str(),
                         c_argv.data(),
                         c_env.data(),
                         options.stdout_path.empty() ? nullptr : options.stdout_path.c_str(),
                         options.stderr_path.empty() ? nullptr : options.stderr_path.c_str(),
                         O_WRONLY | O_CREAT | (options.append ? O_APPEND : O_TRUNC),
                         options.file_mode,
                         options.stdin_null,
                         options.die_with_parent,
                         options.new_process_group,
                         getpid(),
                         report[1]};
    const pid_t pid = fork();
    if (pid < 0) {
        const int err = errno;
        close(report[0]);
        close(report[1]);
        return fail(SpawnError::Stage::kSetup, err, program);
    }
    if (pid == 0) {
        close(report[0]);
        RunChild(plan);
    }
    close(report[1]);
    // EOF (exec closed the pipe) means the program runs; a report means it never did.
    ChildReport got{};
    ssize_t n;
    do {
        n = read(report[0], &got, sizeof(got));
    } while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n != static_cast<ssize_t>(sizeof(got))) return pid;
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    const auto stage = static_cast<SpawnError::Stage>(got.stage);
    if (stage == SpawnError::Stage::kOpenFile) {
        return fail(stage, got.error, got.fd == 1 ? options.stdout_path : options.stderr_path);
    }
    return fail(stage, got.error, program);
}

}  // namespace lse::process::detail
