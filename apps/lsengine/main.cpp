// lsengine: command-line entry point. Typed setup errors are mapped to the
// documented exit codes here, and only here (docs/user-guide.md, "Exit codes").

#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "commands.hpp"
#include "lse/core/errors.hpp"
#include "tool_habits.hpp"
#include "lse/core/redact.hpp"

int main(int argc, char** argv) {
    // A closed socket must be an error code on the hot path, not a signal that kills the run.
    std::signal(SIGPIPE, SIG_IGN);

    CLI::App app{"lsengine: HTTP load testing with honest latency"};
    app.require_subcommand(1);
    app.footer("lsengine URL [flags] is lsengine url URL [flags] (wrk/hey/ab habits: -c, -t, -n, -z work);\n"
               "lsengine FILE.lua [flags] is lsengine run FILE.lua [flags].");
    app.set_version_flag("--version", "lsengine 0.1.0");
    lse::cli::CommandFn run = lse::cli::RegisterRunCommand(app);
    lse::cli::CommandFn url = lse::cli::RegisterUrlCommand(app);
    lse::cli::CommandFn compare = lse::cli::RegisterCompareCommand(app);
    lse::cli::CommandFn serve = lse::cli::RegisterServeCommand(app);

    // wrk/hey/ab habits: `lsengine URL ...` (no command) and hey's spellings CLI11 would misread.
    std::vector<std::string> args(argv + 1, argv + argc);
    try {
        lse::cli::RejectForeignSpellings(args);
        args = lse::cli::InsertImpliedCommand(std::move(args));
    } catch (const lse::Error& e) {
        std::fprintf(stderr, "lsengine: %s\n", e.what());
        return static_cast<int>(e.code());
    }
    std::vector<char*> new_argv{argv[0]};
    for (std::string& a : args) new_argv.push_back(a.data());

    try {
        app.parse(static_cast<int>(new_argv.size()), new_argv.data());
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : static_cast<int>(lse::ExitCode::kUsage);
    }

    try {
        for (CLI::App* sub : app.get_subcommands()) {
            if (sub->get_name() == "run") return run();
            if (sub->get_name() == "url") return url();
            if (sub->get_name() == "compare") return compare();
            if (sub->get_name() == "serve") return serve();
        }
        return static_cast<int>(lse::ExitCode::kUsage);
    } catch (const lse::Error& e) {
        // -e/--env-file secrets (issue 15) are masked in messages too: a script error may quote one.
        std::fprintf(stderr, "lsengine: %s\n", lse::RedactSecretValues(e.what()).c_str());
        return static_cast<int>(e.code());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "lsengine: internal error: %s\n", lse::RedactSecretValues(e.what()).c_str());
        return static_cast<int>(lse::ExitCode::kInternal);
    }
}
