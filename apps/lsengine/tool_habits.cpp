#include "tool_habits.hpp"

#include <algorithm>
#include <cctype>

#include "lse/core/did_you_mean.hpp"
#include "lse/core/errors.hpp"

namespace lse::cli {
namespace {

struct Foreign {
    const char* name;   ///< as CLI11 registers it ("-s", "--latency")
    bool takes_value;
    const char* url_message;  ///< what to use instead in `lsengine url`
    const char* run_message;  ///< in `lsengine run` (nullptr: same as url_message)
};

// The requests of `lsengine run` come from the scenario file; the request-shaping flags point there.
constexpr const char* kRunRequests = "in `lsengine run` the requests come from the scenario file (docs/lua-api.md); "
                                     "for one URL with flags: lsengine url URL ...";

// wrk (and wrk2), hey and ab flags that lsengine spells otherwise or that mean something else here.
// Not listed: -x (hey's proxy) and -e (ab's CSV): lsengine's own flags may take those letters.
constexpr Foreign kForeign[] = {
    {"-s", true,
     "-s: wrk's -s SCRIPT.lua is `lsengine run SCRIPT.lua --target URL` (a different Lua API: docs/lua-api.md); "
     "ab's -s SECONDS is --timeout 30s",
     nullptr},
    {"-p", true, "-p (ab's POST body file): use --body-file FILE -X POST", kRunRequests},
    {"-D", true, "-D (hey's body file): use --body-file FILE", kRunRequests},
    {"-T", true, "-T (content type, ab/hey): use -H 'Content-Type: VALUE'", kRunRequests},
    {"-A", true, "-A: ab's basic auth is -H 'Authorization: Basic BASE64', hey's Accept is -H 'Accept: VALUE'",
     kRunRequests},
    {"-a", true, "-a (hey's basic auth): use -H 'Authorization: Basic BASE64(user:pass)'", kRunRequests},
    {"-C", true, "-C (ab's cookie): use -H 'Cookie: NAME=VALUE'", kRunRequests},
    {"-P", true, "-P (ab's proxy credentials): put them in the proxy URL (--proxy http://user:pass@host:port)",
     nullptr},
    {"-g", true, "-g (ab's gnuplot file): use --out ndjson=FILE (per-second results) or --summary-json FILE", nullptr},
    {"-o", true, "-o (hey's CSV output): use --out ndjson=FILE (per-second results) or --summary-json FILE", nullptr},
    {"-v", true, "-v (ab's verbosity): `lsengine run FILE.lua --dry-run` prints every request and response", nullptr},
    {"-w", false, "-w (ab's HTML table): use --report FILE.html", nullptr},
    {"-r", false, "-r: not needed: socket errors never stop a run, they are counted by kind in the summary", nullptr},
    {"-l", false, "-l: not needed: responses of any length are accepted", nullptr},
    {"--latency", false, "--latency: not needed: the summary always has the latency percentiles (p50 to p99.99)",
     nullptr},
    {"-L", false, "-L: not needed: the summary always has the latency percentiles (p50 to p99.99)", nullptr},
    {"-U", false,
     "-U: not needed: the summary shows service time (uncorrected) beside response time (corrected for "
     "coordinated omission)",
     nullptr},
    {"-i", false, "-i (ab's HEAD requests): use -X HEAD", nullptr},  // url only: `run -i` is --iterations
    {"--vus", true, "--vus (k6): use -c/--vusers N", nullptr},
    {"-n", true, nullptr,
     "-n counts requests in `lsengine url`; an iteration of a scenario may send several: use --iterations N"},
};

// hey's single-dash long flags: CLI11 would read "-disable-keepalive" as -d "isable-keepalive".
struct Spelling {
    const char* name;
    const char* message;
};
constexpr Spelling kSpellings[] = {
    {"-disable-keepalive", "-disable-keepalive (hey): not supported: lsengine keeps connections alive, as browsers do"},
    {"-disable-compression", "-disable-compression (hey): use --no-compression"},
    {"-disable-redirects", "-disable-redirects (hey): use --max-redirects 0"},
    {"-cpus", "-cpus (hey): use --threads N (-t N)"},
    {"-host", "-host (hey): use -H 'Host: NAME'"},
    {"-h2", "-h2 (hey): HTTP/2 is not supported; lsengine speaks HTTP/1.1"},
};

bool IsNumber(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; });
}

bool IsCommand(const std::string& s) { return s == "run" || s == "url" || s == "compare" || s == "serve"; }

}  // namespace

bool LooksLikeUrl(const std::string& arg) { return arg.rfind("http://", 0) == 0 || arg.rfind("https://", 0) == 0; }

ForeignFlags::ForeignFlags(CLI::App* cmd, HabitCommand command) : cmd_(cmd), command_(command) {
    cmd->allow_extras();  // left-over arguments are explained by Check(), not as "unexpected argument"
    // A repeatable flag takes one value per occurrence: CLI11 would otherwise let `-H 'Accept: x' URL` take the URL
    // as a second header, as curl, wrk and hey users write it.
    for (CLI::Option* opt : cmd->get_options()) {
        if (opt->nonpositional() && opt->get_items_expected_max() > 1) opt->allow_extra_args(false);
    }
    for (const Foreign& f : kForeign) {
        const char* message = command == HabitCommand::kRun && f.run_message != nullptr ? f.run_message : f.url_message;
        if (message == nullptr) continue;
        if (command == HabitCommand::kRun && std::string(f.name) == "-i") continue;
        if (cmd->get_option_no_throw(f.name) != nullptr) continue;  // lsengine took the letter since
        CLI::Option* opt = f.takes_value ? cmd->add_option(f.name, *sink_) : cmd->add_flag(f.name);
        opt->group("");  // hidden from --help
        entries_.push_back(Entry{opt, std::string(message)});
    }
}

void ForeignFlags::Check() const {
    for (const Entry& e : entries_) {
        if (e.option->count() > 0) throw UsageError(e.message);
    }
    const std::string name = command_ == HabitCommand::kUrl ? "url" : "run";
    for (const std::string& extra : cmd_->remaining()) {
        if (LooksLikeUrl(extra)) {
            if (command_ == HabitCommand::kUrl) {
                throw UsageError("'" + extra + "': lsengine url takes one URL; for several requests write a scenario "
                                 "and use lsengine run FILE.lua");
            }
            throw UsageError("'" + extra + "': the system under test is given with --target " + extra);
        }
        if (!extra.empty() && extra[0] == '-') {
            std::vector<std::string> flags;
            for (const CLI::Option* opt : cmd_->get_options()) {
                if (opt->get_group().empty()) continue;
                for (const std::string& n : opt->get_lnames()) flags.push_back("--" + n);
            }
            const std::string flag = extra.substr(0, extra.find('='));
            throw UsageError("unknown flag '" + flag + "'" + DidYouMeanSuffix(flag, flags) + " (lsengine " + name +
                             " --help lists the flags)");
        }
        throw UsageError("unexpected argument '" + extra + "'" +
                         (command_ == HabitCommand::kRun ? std::string(": lsengine run takes one scenario file")
                                                         : std::string(": lsengine url takes one URL")));
    }
}

void RejectForeignSpellings(const std::vector<std::string>& args) {
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        if (a == "--") break;
        const std::string flag = a.substr(0, a.find('='));
        for (const Spelling& s : kSpellings) {
            if (flag == s.name) throw UsageError(s.message);
        }
        if (a == "-q" && i + 1 < args.size() && IsNumber(args[i + 1])) {
            throw UsageError("-q is --quiet in lsengine; hey's -q QPS (a rate per worker) is --rps TOTAL (-R TOTAL)");
        }
    }
}

std::vector<std::string> InsertImpliedCommand(std::vector<std::string> args) {
    if (std::any_of(args.begin(), args.end(), IsCommand)) return args;
    // A scenario file decides (a URL beside it is then --target's); wrk's `-s SCRIPT.lua URL` is url mode, where -s
    // is explained.
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        const bool lua = a.size() > 4 && a.compare(a.size() - 4, 4, ".lua") == 0 && a[0] != '-';
        if (lua && (i == 0 || args[i - 1] != "-s")) {
            args.insert(args.begin(), "run");
            return args;
        }
    }
    if (std::any_of(args.begin(), args.end(), LooksLikeUrl)) {
        args.insert(args.begin(), "url");
        return args;
    }
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "--version") return args;
    if (args[0][0] != '-') {
        throw UsageError("'" + args[0] + "' is not a command (run, url, compare)" +
                         (args[0].find('.') != std::string::npos || args[0].find(':') != std::string::npos
                              ? "; a URL needs its scheme: lsengine http://" + args[0]
                              : std::string()));
    }
    throw UsageError("no URL and no command: lsengine URL [flags] (e.g. lsengine http://127.0.0.1:8080/ -c 10 -n 1000), "
                     "or lsengine run FILE.lua, lsengine url URL, lsengine compare A.json B.json");
}

}  // namespace lse::cli
