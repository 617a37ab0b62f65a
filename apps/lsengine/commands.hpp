#pragma once
/// @file
/// Subcommands of the lsengine CLI. Each registers its flags on the app and
/// returns a function that runs it and yields the process exit code.

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>

namespace lse::cli {

using CommandFn = std::function<int()>;

/// `lsengine url URL`: a fixed request, open or closed model (wrk/hey-like).
CommandFn RegisterUrlCommand(CLI::App& app);

/// `lsengine run FILE.lua`: Lua scenarios (and --dry-run).
CommandFn RegisterRunCommand(CLI::App& app);

/// `lsengine compare BASE.json NEW.json`: regression check between two --summary-json files.
CommandFn RegisterCompareCommand(CLI::App& app);

/// `lsengine serve --token-file F`: the service mode, an HTTP API that runs scenarios on request.
CommandFn RegisterServeCommand(CLI::App& app);

}  // namespace lse::cli
