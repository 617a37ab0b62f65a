#include "config_file.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <system_error>

#include "lse/core/did_you_mean.hpp"
#include "lse/core/errors.hpp"

namespace lse::cli {
namespace {

constexpr const char* kFileName = "lsengine.toml";
constexpr const char* kCommands[] = {"run", "url"};

[[noreturn]] void Fail(const std::string& path, int line, const std::string& message) {
    throw UsageError(path + ":" + std::to_string(line) + ": " + message);
}

int LineOf(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

// A number as a flag would be typed: whole numbers without a fraction ("30", not "30.000000").
std::string FormatNumber(double d) {
    if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
    return std::string(buf, r.ptr);
}

// A scalar as one flag argument; false for anything else (arrays, tables, dates).
bool ScalarText(const toml::node& n, std::string* out) {
    if (const auto* s = n.as_string()) {
        *out = s->get();
    } else if (const auto* i = n.as_integer()) {
        *out = std::to_string(i->get());
    } else if (const auto* f = n.as_floating_point()) {
        *out = FormatNumber(f->get());
    } else if (const auto* b = n.as_boolean()) {
        *out = b->get() ? "true" : "false";
    } else {
        return false;
    }
    return true;
}

ConfigEntry ReadEntry(const std::string& path, const std::string& command, const std::string& key,
                      const toml::node& value) {
    ConfigEntry e;
    e.key = key;
    e.line = LineOf(value);
    const std::string where = "[" + command + "] " + key;
    std::string text;
    if (const auto* b = value.as_boolean()) {
        e.enabled = b->get();
        if (e.enabled) e.args.push_back("true");
    } else if (ScalarText(value, &text)) {
        e.args.push_back(text);
    } else if (const auto* arr = value.as_array()) {
        for (const toml::node& item : *arr) {
            if (!ScalarText(item, &text)) Fail(path, LineOf(item), where + ": array items must be strings or numbers");
            e.args.push_back(text);
        }
    } else if (const auto* tbl = value.as_table()) {
        for (const auto& [k, v] : *tbl) {
            if (!ScalarText(v, &text)) {
                Fail(path, LineOf(v), where + "." + std::string(k.str()) + ": must be a string or a number");
            }
            e.args.push_back(std::string(k.str()) + "=" + text);
        }
    } else {
        Fail(path, e.line, where + ": unsupported value (use a string, number, boolean, array or { KEY = \"value\" })");
    }
    return e;
}

std::vector<std::string> LongFlagNames(const CLI::App& cmd) {
    std::vector<std::string> names;
    for (const CLI::Option* opt : cmd.get_options()) {
        if (opt->get_group().empty()) continue;  // hidden: other tools' flags that lsengine refuses
        for (const std::string& n : opt->get_lnames()) {
            if (n != "help" && n != "config") names.push_back(n);
        }
    }
    return names;
}

}  // namespace

const std::vector<ConfigEntry>* ConfigFile::Table(const std::string& command) const {
    for (const auto& [name, entries] : tables) {
        if (name == command) return &entries;
    }
    return nullptr;
}

ConfigFile LoadConfigFile(const std::string& path) {
    toml::table root;
    try {
        root = toml::parse_file(path);
    } catch (const toml::parse_error& e) {
        const int line = static_cast<int>(e.source().begin.line);
        if (line == 0) throw UsageError("--config: cannot read '" + path + "': " + std::string(e.description()));
        Fail(path, line, std::string(e.description()));
    }
    ConfigFile file;
    file.path = path;
    const std::vector<std::string> commands(std::begin(kCommands), std::end(kCommands));
    for (const auto& [key, value] : root) {
        const std::string name(key.str());
        const auto* table = value.as_table();
        if (table == nullptr) {
            Fail(path, static_cast<int>(key.source().begin.line),
                 "'" + name + "' is outside a table: put it under [run] or [url] (the command it is a flag of)");
        }
        if (std::find(commands.begin(), commands.end(), name) == commands.end()) {
            Fail(path, static_cast<int>(key.source().begin.line),
                 "unknown table [" + name + "]" + DidYouMeanSuffix(name, commands) + ": tables are [run] and [url]");
        }
        std::vector<ConfigEntry> entries;
        for (const auto& [k, v] : *table) entries.push_back(ReadEntry(path, name, std::string(k.str()), v));
        file.tables.emplace_back(name, std::move(entries));
    }
    return file;
}

std::string FindConfigFile(const std::string& explicit_path, const std::string& default_dir) {
    std::error_code ec;
    if (!explicit_path.empty()) {
        if (!std::filesystem::is_regular_file(explicit_path, ec)) {
            throw UsageError("--config: no such file '" + explicit_path + "'");
        }
        return explicit_path;
    }
    if (default_dir.empty()) return "";
    const std::filesystem::path beside = std::filesystem::path(default_dir) / kFileName;
    return std::filesystem::is_regular_file(beside, ec) ? beside.string() : "";
}

void ApplyConfigFile(const ConfigFile& file, const std::string& command, CLI::App* cmd) {
    const std::vector<ConfigEntry>* entries = file.Table(command);
    if (entries == nullptr) return;
    for (const ConfigEntry& e : *entries) {
        const std::string where = "[" + command + "] " + e.key;
        if (e.key == "config") Fail(file.path, e.line, where + ": a config file cannot name another one");
        CLI::Option* opt = cmd->get_option_no_throw("--" + e.key);
        if (opt == nullptr || opt->get_group().empty() || !opt->nonpositional()) {
            Fail(file.path, e.line,
                 "unknown key '" + e.key + "' in [" + command + "]" + DidYouMeanSuffix(e.key, LongFlagNames(*cmd)) +
                     ": keys are the long flags of `lsengine " + command + "` without the dashes");
        }
        if (opt->count() > 0) continue;  // given on the command line: the command line wins
        if (!e.enabled) continue;
        if (opt->get_items_expected_max() == 0 && e.args != std::vector<std::string>{"true"}) {
            Fail(file.path, e.line, where + ": --" + e.key + " is an on/off flag: use true or false");
        }
        if (e.args.size() > 1 && opt->get_items_expected_max() == 1 && opt->get_expected_min() <= 1 &&
            opt->get_multi_option_policy() == CLI::MultiOptionPolicy::Throw) {
            Fail(file.path, e.line, where + ": --" + e.key + " takes one value, not a list");
        }
        try {
            for (const std::string& a : e.args) opt->add_result(a);
            opt->run_callback();
        } catch (const CLI::Error& err) {
            Fail(file.path, e.line, where + ": " + err.what());
        }
    }
}

}  // namespace lse::cli
