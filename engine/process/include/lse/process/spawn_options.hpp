#pragma once
/// @file
/// What a child is started with, and why a start failed.

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

namespace lse::process {

struct SpawnOptions {
    /// argv[0] is searched like FindProgram (PATH, then the sbin directories) when it has no '/'.
    std::vector<std::string> argv;
    /// Set in (or replacing in) the parent's environment. Secrets go here, never in argv: `ps` shows argv.
    std::vector<std::pair<std::string, std::string>> env;

    /// Non-empty: the child's stdout / stderr go to these files (both may name the same file: one shared
    /// descriptor, so the lines interleave in order). Empty: inherited.
    std::string stdout_path;
    std::string stderr_path;
    bool append = false;        ///< open them O_APPEND (a log that keeps earlier runs), else O_TRUNC
    mode_t file_mode = 0600;    ///< mode of files it creates: logs may hold tokens and URLs
    bool stdin_null = false;    ///< stdin from /dev/null instead of inherited (daemons must not eat the terminal)

    /// The child gets PR_SET_PDEATHSIG(SIGKILL): it dies with us on every exit path (crash, SIGKILL, _exit),
    /// not only after a clean Stop(). Linux ties that signal to the *thread* that forked, not the process:
    /// start children from a thread that lives as long as they should (the main thread, typically).
    bool die_with_parent = true;
    /// Its own process group: a Ctrl-C in the terminal reaches only us, and we stop the child ourselves.
    bool new_process_group = false;
};

/// Why a start failed. Callers turn it into their own message (each names its program its own way).
struct SpawnError {
    enum class Stage {
        kNotFound,   ///< argv[0] is not an executable file (error = ENOENT or EACCES)
        kSetup,      ///< pipe2 or fork failed in the parent
        kOpenFile,   ///< the child could not open `path` for stdout/stderr
        kExec,       ///< execve failed
    };
    Stage stage = Stage::kExec;
    int error = 0;      ///< errno
    std::string path;   ///< the program (kNotFound, kExec) or the file (kOpenFile)

    std::string Text() const;  ///< strerror(error), e.g. "No such file or directory"
};

}  // namespace lse::process
