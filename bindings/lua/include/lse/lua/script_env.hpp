#pragma once
/// @file
/// The script's environment (issue 15): `-e KEY=VALUE` and `--env-file FILE` give a script values it reads as
/// `lsengine.env.KEY` (and `os.getenv("KEY")`), without exporting them to the whole process. Later assignments
/// win (the CLI reads --env-file first, then each -e in order).
///
/// Env file format, as .env files are usually written:
///   # a comment line            (blank lines are ignored too)
///   KEY=value                   (surrounding spaces trimmed; " #..." after an unquoted value is a comment)
///   export KEY=value            ("export " is accepted, so a file can also be sourced by a shell)
///   KEY="a \"quoted\"\n value"  (double quotes: \n \t \r \" \\ escapes)
///   KEY='literal $text'         (single quotes: taken as is)
/// KEY is [A-Za-z_][A-Za-z0-9_]*. Errors name FILE:LINE.

#include <map>
#include <string>
#include <string_view>
#include <vector>

struct lua_State;

namespace lse::lua {

struct ScriptEnv {
    std::map<std::string, std::string> values;
    /// Keys named by --redact (their values are secrets whatever their names).
    std::vector<std::string> redact_keys;

    bool Empty() const noexcept { return values.empty(); }
    /// Whether KEY's value is hidden in outputs: its name looks secret (lse::IsSecretEnvName) or --redact names it.
    bool IsSecret(std::string_view key) const;
};

/// Adds one `KEY=VALUE` (as given to -e; the value is taken literally, no quotes removed). Throws
/// lse::UsageError naming `flag` ("-e") for a missing '=' or a bad key.
void AddEnvAssignment(std::string_view assignment, std::string_view flag, ScriptEnv* env);

/// Parses env-file text; `source` names it in errors ("vars.env:3: ..."). Throws lse::UsageError.
void ParseEnvText(std::string_view text, const std::string& source, ScriptEnv* env);

/// Reads and parses FILE (lse::UsageError when it cannot be read, naming --env-file and the file).
void ReadEnvFile(const std::string& path, ScriptEnv* env);

/// Registers the values of the secret keys for redaction in every output (lse::AddSecretValue). Returns the
/// secret keys whose values are too short to be masked (the CLI warns about them).
std::vector<std::string> RegisterEnvSecrets(const ScriptEnv& env);

namespace detail {
/// Installs lsengine.env (a read-only table: unknown keys read nil, assigning raises) and wraps os.getenv so
/// that it sees `env` first, then the process environment. `env` must outlive L. Called by ScriptState.
void InstallScriptEnv(lua_State* L, const ScriptEnv* env);
}  // namespace detail

}  // namespace lse::lua
