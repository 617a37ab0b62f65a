// `lsengine url URL`: load one fixed request, in the open model (--rps, --stages)
// or the closed model (--vusers with optional --think-time).

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "client_flags.hpp"
#include "config_file.hpp"
#include "tool_habits.hpp"
#include "commands.hpp"
#include "local_run.hpp"
#include "lse/lua/scenario_def.hpp"
#include "run_finish.hpp"
#include "run_flags.hpp"
#include "run_outputs.hpp"
#include "run_thresholds.hpp"
#include "lse/core/clock.hpp"
#include "lse/core/errors.hpp"
#include "lse/core/units.hpp"
#include "lse/http/content_decoding.hpp"
#include "lse/http/request.hpp"
#include "lse/http/url.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/core/redact.hpp"
#include "lse/report/text_summary.hpp"
#include "lse/runtime/load_run.hpp"
#include "lse/runtime/request_runner.hpp"
#include "lse/sched/rate_profile.hpp"

namespace lse::cli {
namespace {

struct UrlFlags {
    std::string url;
    std::string method = "GET";
    std::vector<std::string> headers;
    std::string body;
    std::string body_file;
    std::string rps;
    std::string stages;
    int vusers = 0;
    std::string duration;  ///< "": 10s, or kRequestsRunCap with -n
    std::int64_t requests = 0;  ///< -n: the run ends after this many requests (closed model)
    std::string ramp_up;
    std::string think_time;
    std::string max_wait;
    int threads = 0;
    ClientFlags client;
    std::string expect = "2xx,3xx";
    std::string name;
    std::uint64_t seed = 0;  ///< 0: a new one per run (ResolveSeed), printed
    OutputFlags outputs;
    std::vector<std::string> thresholds;
    std::vector<std::string> abort_thresholds;
    std::string config;  ///< --config FILE (lsengine.toml)
};

constexpr const char* kDefaultDuration = "10s";
// With -n and no duration the count ends the run; this only bounds a run against a target too slow to reach it.
constexpr const char* kRequestsRunCap = "1h";

// Any upper-case method token (PROPFIND, PURGE...): kOther's text is f.method itself.
http::Method ParseMethod(const std::string& m) {
    http::Method method = http::Method::kGet;
    try {
        http::ParseAnyMethod(m, &method);
    } catch (const UsageError& e) {
        throw UsageError(std::string("--method: ") + e.what());
    }
    return method;
}

std::vector<std::pair<std::string, std::string>> ParseHeaders(const std::vector<std::string>& raw) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const std::string& h : raw) {
        const size_t colon = h.find(':');
        if (colon == std::string::npos || colon == 0) {
            throw UsageError("--header: expected 'Name: value', got '" + h + "'");
        }
        std::string value = h.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(value.begin());
        out.emplace_back(h.substr(0, colon), value);
    }
    return out;
}

// "10s:100,30s:500" -> stages ramping linearly to each rate over each duration.
std::vector<sched::Stage> ParseStages(const std::string& text) {
    std::vector<sched::Stage> stages;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        const size_t colon = item.find(':');
        if (colon == std::string::npos) {
            throw UsageError("--stages: expected DURATION:RPS items like '30s:100,1m:500', got '" + item + "'");
        }
        sched::Stage st;
        st.duration_ns = ParseDurationNs(item.substr(0, colon), "--stages");
        st.target_rps = ParseCount(item.substr(colon + 1), "--stages");
        if (st.target_rps > sched::kMaxRps) throw UsageError("--stages: rate '" + item + "' is above 10M per second");
        stages.push_back(st);
    }
    if (stages.empty()) throw UsageError("--stages: no stages given");
    return stages;
}

void ParseThinkTime(const std::string& text, runtime::LoadSpec* spec) {
    if (text.empty()) return;
    const size_t dash = text.find('-');
    if (dash == std::string::npos) {
        spec->think_min_ns = spec->think_max_ns = ParseDurationNs(text, "--think-time");
    } else {
        spec->think_min_ns = ParseDurationNs(text.substr(0, dash), "--think-time");
        spec->think_max_ns = ParseDurationNs(text.substr(dash + 1), "--think-time");
        if (spec->think_max_ns < spec->think_min_ns) {
            throw UsageError("--think-time: minimum '" + text.substr(0, dash) + "' is above maximum");
        }
    }
}

// The load shape from the flags (open model with --rps/--stages, else closed); *target_rps: the open model's
// average planned rate (0 for the closed model).
runtime::LoadSpec BuildUrlSpec(const UrlFlags& f, double* target_rps) {
    runtime::LoadSpec spec;
    spec.seed = f.seed;
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    spec.threads = f.threads > 0 ? f.threads : static_cast<int>(cores);
    if (!f.duration.empty() && !std::isdigit(static_cast<unsigned char>(f.duration[0])) && f.duration[0] != '.') {
        throw UsageError("--duration: '" + f.duration + "' is not a duration (e.g. 30s); hey's -d BODY is --body BODY here");
    }
    if (f.requests < 0) throw UsageError("-n/--requests: must be positive");
    const std::string duration = !f.duration.empty() ? f.duration : f.requests > 0 ? kRequestsRunCap : kDefaultDuration;
    const std::int64_t duration_ns = ParseDurationNs(duration, "--duration");
    if (duration_ns <= 0) throw UsageError("--duration: must be positive");
    const std::int64_t ramp_ns = f.ramp_up.empty() ? 0 : ParseDurationNs(f.ramp_up, "--ramp-up");
    if (ramp_ns > duration_ns) throw UsageError("--ramp-up: longer than --duration");
    *target_rps = 0;
    if (f.stages.empty() && f.rps.empty()) {
        if (!f.max_wait.empty()) throw UsageError("--max-wait applies to the open model only (add --rps)");
        spec.model = runtime::LoadModel::kClosed;
        spec.vusers = f.vusers > 0 ? f.vusers : 10;
        spec.iterations = f.requests;  // one request per iteration
        spec.duration_ns = duration_ns;
        spec.ramp_up_ns = ramp_ns;
        ParseThinkTime(f.think_time, &spec);
        return spec;
    }
    if (!f.think_time.empty()) throw UsageError("--think-time applies to the closed model only (drop --rps)");
    if (f.requests > 0) {
        throw UsageError("-n/--requests applies to the closed model (-c/--vusers); with --rps the run sends "
                         "rate x --duration requests");
    }
    spec.model = runtime::LoadModel::kOpen;
    if (!f.stages.empty()) {
        if (!f.rps.empty()) throw UsageError("--rps and --stages are exclusive");
        spec.profile = sched::RateProfile(0, ParseStages(f.stages));
    } else {
        const double rps = ParseCount(f.rps, "--rps");
        if (!(rps > 0) || rps > sched::kMaxRps) throw UsageError("--rps: must be positive and at most 10M");
        spec.profile = ramp_ns > 0 ? sched::RateProfile::RampThenHold(rps, ramp_ns, duration_ns)
                                   : sched::RateProfile::Constant(rps, duration_ns);
    }
    const double peak = spec.profile->ArrivalsBy(spec.profile->TotalDurationNs());
    *target_rps = peak / (spec.profile->TotalDurationNs() / 1e9);
    double max_rate = 0;
    for (std::int64_t t = 0; t <= spec.profile->TotalDurationNs(); t += spec.profile->TotalDurationNs() / 100 + 1) {
        max_rate = std::max(max_rate, spec.profile->RateAt(t));
    }
    // Open-model pool: enough virtual users for ~100 ms of latency at the peak rate.
    spec.vusers = f.vusers > 0 ? f.vusers : static_cast<int>(std::clamp(std::ceil(max_rate / 10), 32.0, 1000.0));
    spec.max_wait_ns = MaxWaitNs(f.max_wait, std::nullopt, f.client);
    return spec;
}

// The one request every iteration sends, from --method, the URL, --header, --body/--body-file, --expect, --name.
std::shared_ptr<runtime::RequestRunnerConfig> BuildUrlRequest(const UrlFlags& f, const http::Url& url,
                                                              const std::string& display_name,
                                                              std::int64_t timeout_ns) {
    auto cfg = std::make_shared<runtime::RequestRunnerConfig>();
    std::string body = f.body;
    if (!f.body_file.empty()) {
        if (!body.empty()) throw UsageError("--body and --body-file are exclusive");
        std::ifstream in(f.body_file, std::ios::binary);
        if (!in) throw UsageError("--body-file: cannot read '" + f.body_file + "'");
        body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    const http::Method method = ParseMethod(f.method);
    cfg->origin = url.origin;
    http::HeaderList headers = ParseHeaders(f.headers);
    // Offer compressed responses as the Lua path does (--no-compression, or an Accept-Encoding given with --header,
    // turns it off): the load is then what browsers put on the server.
    const bool given = std::any_of(headers.begin(), headers.end(),
                                   [](const auto& h) { return http::HeaderNameEquals(h.first, "accept-encoding"); });
    if (!f.client.no_compression && !given) headers.emplace_back("Accept-Encoding", http::kDefaultAcceptEncoding);
    cfg->request = http::PreparedRequest::Build(method, url.origin, url.path_and_query, headers, body,
                                                method == http::Method::kOther ? std::string_view(f.method)
                                                                               : std::string_view());
    cfg->name = metrics::MakeStatKey(metrics::StatKind::kRequest, "url", "request", display_name);
    cfg->accepted = runtime::StatusSet::Parse(f.expect, "--expect");
    cfg->timeout_ns = timeout_ns;
    cfg->max_redirects = MaxRedirects(f.client, std::nullopt);
    return cfg;
}

// What the outputs show of the run's configuration (secret headers and query parameters masked).
report::RunDescription DescribeUrlRun(const UrlFlags& f, const http::Url& url, const std::string& shown_path,
                                      const report::ScenarioInfo& info, const runtime::LoadSpec& spec,
                                      const RunThresholds& thresholds) {
    report::RunDescription desc;
    desc.command = "url";
    desc.target = url.origin.ToString() + shown_path;
    desc.scenarios = {info};
    desc.total_ns = spec.RunLengthNs();
    desc.started_unix_ms = UnixMillisNow();
    desc.config = {{"request", f.method + " " + shown_path},
                   {"model", info.model},
                   {"virtual users", std::to_string(spec.vusers)},
                   {"duration", FormatDurationNs(spec.RunLengthNs()) + (f.requests > 0 ? " at most (-n ends it)" : "")},
                   {"threads", std::to_string(spec.threads)},
                   {"timeout", f.client.timeout},
                   {"expect", f.expect},
                   {"seed", std::to_string(f.seed)}};
    if (!f.rps.empty()) desc.config.emplace_back("rps", f.rps);
    if (f.requests > 0) desc.config.emplace_back("requests", std::to_string(f.requests));
    if (!f.stages.empty()) desc.config.emplace_back("stages", f.stages);
    if (!f.think_time.empty()) desc.config.emplace_back("think time", f.think_time);
    for (const auto& t : f.thresholds) desc.config.emplace_back("threshold", t);
    for (const auto& t : f.abort_thresholds) desc.config.emplace_back("threshold (abort on fail)", t);
    for (auto& line : DescribeClientFlags(f.client)) desc.config.push_back(std::move(line));
    desc.thresholds = thresholds.Expressions();
    for (const auto& [name, value] : ParseHeaders(f.headers)) {
        desc.config.emplace_back("header " + name, IsSecretHeader(name) ? RedactHeaderValue(value) : value);
    }
    return desc;
}

int RunUrl(const UrlFlags& f) {
    double target_rps = 0;
    runtime::LoadSpec spec = BuildUrlSpec(f, &target_rps);
    const http::Url url = http::ParseUrl(f.url);
    // The path is shown in the summary and every output: secret query parameters are masked there.
    const std::string shown_path = RedactUrl(url.path_and_query);
    const std::string display_name = f.name.empty() ? f.method + " " + shown_path : f.name;
    const http::ClientOptions client = ToClientOptions(f.client);
    auto cfg = BuildUrlRequest(f, url, display_name, client.request_timeout_ns);
    spec.grace_ns = std::min<std::int64_t>(cfg->timeout_ns, spec.grace_ns);

    // URL mode is one scenario "url" with one task "request": thresholds may name them ("request.p95 < 10ms").
    lua::ScenarioDef url_scenario;
    url_scenario.name = "url";
    url_scenario.tasks.push_back(lua::TaskDef{"request", 1, "--threshold"});
    const RunThresholds thresholds = RunThresholds::Parse({url_scenario}, f.thresholds, f.abort_thresholds);
    RunOutputs outputs(f.outputs);  // checks output paths and binds --prometheus before any request
    if (!f.outputs.quiet) {
        std::cerr << "lsengine: " << display_name << " on " << url.origin.HostHeader() << " | "
                  << (spec.model == runtime::LoadModel::kOpen ? "open model" : "closed model") << ", "
                  << spec.vusers << " virtual users, " << spec.threads << " threads, "
                  << (f.requests > 0 ? std::to_string(f.requests) + " requests within " : std::string())
                  << FormatDurationNs(spec.RunLengthNs()) << ", seed " << f.seed << "\n";
    }
    report::ScenarioInfo info;
    info.name = "url";
    info.model = spec.model == runtime::LoadModel::kOpen ? "open" : "closed";
    info.target_rps = target_rps;
    info.vusers = spec.vusers;
    info.duration_ns = spec.RunLengthNs();

    runtime::LoadRun run(spec, client, runtime::MakeRequestRunnerFactory(cfg),
                         metrics::MakeStatKey(metrics::StatKind::kScenario, "url"));
    std::unique_ptr<ThresholdWatch> watch_owner = thresholds.MakeWatch([&run] { run.RequestStop(); });
    const ThresholdWatch* watch = watch_owner.get();
    if (watch_owner) outputs.Add(std::move(watch_owner));
    outputs.Begin(DescribeUrlRun(f, url, shown_path, info, spec, thresholds), {spec});
    const runtime::RunResult result = RunFeedingOutputs(run, outputs, spec.vusers);

    const std::int64_t load_ns = std::min(result.ended_ns - result.started_ns, spec.RunLengthNs());
    // A drained Ctrl-C still prints a summary, and exits 130: an interrupted run (docs/user-guide.md, "Exit codes").
    return FinishRun(std::cout, thresholds, watch, outputs,
                     RunEnd{result.total, load_ns > 0 ? load_ns : spec.RunLengthNs(),
                            result.interrupted && !(watch && watch->Stopped()), {info}, {}});
}

}  // namespace

CommandFn RegisterUrlCommand(CLI::App& app) {
    auto flags = std::make_shared<UrlFlags>();
    CLI::App* cmd = app.add_subcommand("url", "Load a single URL (open model with --rps/--stages, else closed model)");
    cmd->add_option("URL", flags->url, "http:// or https:// URL")->required();
    cmd->add_option("-X,-m,--method", flags->method, "HTTP method")->capture_default_str();
    cmd->add_option("-H,--header", flags->headers, "Request header 'Name: value' (repeatable)");
    cmd->add_option("--body", flags->body, "Request body");
    cmd->add_option("--body-file", flags->body_file, "Read the request body from a file");
    cmd->add_option("-R,--rps", flags->rps, "Open model: arrivals per second (e.g. 200, 2.5k)");
    cmd->add_option("--stages", flags->stages, "Open model: DURATION:RPS,... linear ramps (e.g. 30s:100,1m:100)");
    cmd->add_option("-c,--vusers", flags->vusers, "Closed model: concurrency; open model: pool of virtual users");
    cmd->add_option("-d,-z,--duration", flags->duration, "Run length (e.g. 30s, 2m; default 10s, or 1h as a cap with -n)");
    cmd->add_option("-n,--requests", flags->requests,
                    "Closed model: end the run after exactly N requests (or at --duration, whichever is first)");
    cmd->add_option("--ramp-up", flags->ramp_up, "Ramp from zero over this long");
    cmd->add_option("--think-time", flags->think_time, "Closed model pause between iterations: 1s or 0.5s-2s");
    AddMaxWaitFlag(cmd, &flags->max_wait);
    cmd->add_option("-t,--threads", flags->threads, "Worker threads (default: one per core)");
    AddClientFlags(cmd, &flags->client);
    cmd->add_option("--expect", flags->expect, "Accepted statuses: 200,201 / 2xx / 200-299")->capture_default_str();
    cmd->add_option("--name", flags->name, "Name in the summary (default: METHOD path)");
    cmd->add_option("--seed", flags->seed, "Random seed (think time); default: a new one per run, printed");
    cmd->add_option("--threshold", flags->thresholds, "Pass/fail criterion, e.g. 'p95 < 200ms' (repeatable)");
    cmd->add_option("--threshold-abort", flags->abort_thresholds,
                    "Criterion that stops the run as soon as it fails: 'error_rate < 5%[, delay=10s]' (repeatable)");
    AddOutputFlags(cmd, &flags->outputs);
    cmd->add_option("--config", flags->config, "Defaults for these flags from a TOML file's [url] table (lsengine.toml)");
    auto foreign = std::make_shared<ForeignFlags>(cmd, HabitCommand::kUrl);  // last: lsengine's own flags come first
    return [flags, foreign, cmd] {
        foreign->Check();
        const std::string config = FindConfigFile(flags->config, "");
        if (!config.empty()) {
            ApplyConfigFile(LoadConfigFile(config), "url", cmd);
            if (!flags->outputs.quiet) std::cerr << "lsengine: defaults from " << config << "\n";
        }
        flags->seed = ResolveSeed(flags->seed);
        return RunUrl(*flags);
    };
}

}  // namespace lse::cli
