#pragma once
/// @file
/// Typed setup errors. They are thrown only outside the hot path (parsing flags,
/// loading files, binding ports) and mapped to exit codes once, in main().

#include <stdexcept>
#include <string>

namespace lse {

/// Documented process exit codes (docs/user-guide.md, "Exit codes").
enum class ExitCode : int {
    kOk = 0,
    kInternal = 1,          ///< A bug or an unexpected failure.
    kUsage = 2,             ///< Bad command line, bad file, bad value.
    kThresholdsFailed = 3,  ///< The run completed but at least one threshold failed.
    kScript = 4,            ///< The scenario script failed to load or its setup failed.
    kSetup = 5,             ///< The environment failed: cannot bind, cannot start a child, cannot write output.
    kRegression = 6,        ///< `lsengine compare`: a metric of the new run regressed beyond the tolerance.
    kScriptErrors = 7,      ///< The run ran, but task iterations failed with script errors (Lua raised).
    kNothingSucceeded = 8,  ///< The run sent requests and not one of them succeeded.
    kInfrastructure = 9,    ///< The distributed infrastructure failed: the broker was lost, results are incomplete.
    kInterrupted = 130,     ///< Interrupted (Ctrl-C, SIGTERM): the summary covers only what ran.
};

class Error : public std::runtime_error {
public:
    Error(ExitCode code, const std::string& what) : std::runtime_error(what), code_(code) {}
    ExitCode code() const noexcept { return code_; }

private:
    ExitCode code_;
};

/// Bad flag, bad value, bad file contents: the message names the flag, file or line.
class UsageError : public Error {
public:
    explicit UsageError(const std::string& what) : Error(ExitCode::kUsage, what) {}
};

/// The environment failed: a port could not be bound, a child could not start, a file could not be written.
class SetupError : public Error {
public:
    explicit SetupError(const std::string& what) : Error(ExitCode::kSetup, what) {}
};

/// The scenario script failed to load, or its setup failed (on_start of every virtual user, setup()).
/// The message carries file:line and, where there is one, the Lua traceback.
class ScriptError : public Error {
public:
    explicit ScriptError(const std::string& what) : Error(ExitCode::kScript, what) {}
};

}  // namespace lse
