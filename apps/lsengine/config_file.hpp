#pragma once
/// @file
/// lsengine.toml: command-line defaults kept beside a scenario (or named with --config). Each table is a
/// command (`[run]`, `[url]`) and its keys are that command's long flag names without the dashes:
///
///     [run]
///     target = "http://127.0.0.1:8080"
///     duration = "30s"
///     threshold = ["p95 < 200ms", "error_rate < 1%"]
///     env = { API_USER = "alice" }
///
/// A flag given on the command line wins over the file. Unknown tables and keys are refused naming
/// file:line (and the flag meant, when one is close).

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace lse::cli {

/// One key of a command's table, as the arguments its flag would have been given: a string, number or
/// true as one argument, an array as one per element, an inline table { K = "v" } as "K=v" arguments
/// (the form of -e KEY=VALUE). `false` gives no argument (the flag stays off).
struct ConfigEntry {
    std::string key;
    std::vector<std::string> args;
    bool enabled = true;  ///< false: the key was `false`
    int line = 0;
};

struct ConfigFile {
    std::string path;
    std::vector<std::pair<std::string, std::vector<ConfigEntry>>> tables;  ///< command name -> its keys, in file order

    /// The keys of `command`'s table (empty when the file has none).
    const std::vector<ConfigEntry>* Table(const std::string& command) const;
};

/// Reads and checks the shape of a config file. Throws UsageError "FILE:LINE: ..." for a TOML syntax
/// error, a key outside a table, a table that is not a command, or a value of another type (dates,
/// nested tables, arrays of tables).
ConfigFile LoadConfigFile(const std::string& path);

/// The config file a command uses: `explicit_path` (--config; must exist), else lsengine.toml in
/// `default_dir` when that exists ("" for none), else "".
std::string FindConfigFile(const std::string& explicit_path, const std::string& default_dir);

/// Fills the flags of `cmd` that the command line did not give from the file's `[command]` table.
/// Throws UsageError "FILE:LINE: ..." for a key that is not a flag of the command (with a suggestion)
/// or a value the flag refuses.
void ApplyConfigFile(const ConfigFile& file, const std::string& command, CLI::App* cmd);

}  // namespace lse::cli
