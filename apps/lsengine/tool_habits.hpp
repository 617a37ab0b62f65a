#pragma once
/// @file
/// What users of wrk, hey and ab type, met halfway. Flags that mean the same thing are aliases where the
/// commands register their flags (-c, -t, -n, -z, -m, -R); the flags here mean something else in lsengine
/// or are spelt otherwise: they are registered hidden, so that their values are not taken for the URL,
/// and refused with a message naming the lsengine flag. docs/user-guide.md, "Coming from wrk, hey or ab".

#include <CLI/CLI.hpp>

#include <memory>
#include <string>
#include <vector>

namespace lse::cli {

enum class HabitCommand { kUrl, kRun };

class ForeignFlags {
public:
    /// Registers them on `cmd` (after its own flags), and makes each repeatable flag of `cmd` take one value per
    /// occurrence, so that `-H 'Accept: x' URL` leaves the URL alone.
    ForeignFlags(CLI::App* cmd, HabitCommand command);

    /// After parsing: throws UsageError for the first foreign flag given, and for arguments CLI11 left
    /// over (a second URL, a URL after `run FILE`, an unknown flag: with the flag meant when one is close).
    void Check() const;

private:
    struct Entry {
        CLI::Option* option;
        std::string message;
    };
    CLI::App* cmd_;
    HabitCommand command_;
    std::vector<Entry> entries_;
    std::shared_ptr<std::vector<std::string>> sink_ = std::make_shared<std::vector<std::string>>();
};

/// hey's single-dash long flags (-disable-keepalive, -cpus ...) and hey's `-q QPS`, which CLI11 would
/// split into short flags and values: refused before parsing, naming the lsengine flag. args: argv[1..].
void RejectForeignSpellings(const std::vector<std::string>& args);

/// `lsengine URL ...` (no command, as wrk/hey/ab take it) becomes `lsengine url URL ...`, and
/// `lsengine FILE.lua ...` becomes `lsengine run FILE.lua ...`. args: argv[1..]; returns them rewritten.
/// Without a command, a URL or a .lua file (and not --help/--version) throws UsageError saying what to type.
std::vector<std::string> InsertImpliedCommand(std::vector<std::string> args);

/// True for "http://..." and "https://..." (what a user means as the URL).
bool LooksLikeUrl(const std::string& arg);

}  // namespace lse::cli
