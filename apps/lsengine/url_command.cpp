// `lsengine url URL`: load one fixed request, in the open model (--rps, --stages)
// or the closed model (--vusers with optional --think-time).

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "client_flags.hpp"
#include "commands.hpp"
#include "lse/core/clock.hpp"
#include "lse/core/errors.hpp"
#include "lse/core/units.hpp"
#include "lse/http/request.hpp"
#include "lse/http/url.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/report/progress_line.hpp"
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
    std::string duration = "10s";
    std::string ramp_up;
    std::string think_time;
    int threads = 0;
    ClientFlags client;
    std::string expect = "2xx,3xx";
    std::string name;
    bool quiet = false;
    std::uint64_t seed = 1;
};

http::Method ParseMethod(const std::string& m) {
    static const std::pair<const char*, http::Method> kMethods[] = {
        {"GET", http::Method::kGet},     {"HEAD", http::Method::kHead},     {"POST", http::Method::kPost},
        {"PUT", http::Method::kPut},     {"PATCH", http::Method::kPatch},   {"DELETE", http::Method::kDelete},
        {"OPTIONS", http::Method::kOptions}};
    for (const auto& [name, method] : kMethods) {
        if (m == name) return method;
    }
    throw UsageError("--method: unsupported method '" + m + "' (GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS)");
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

int RunUrl(const UrlFlags& f) {
    runtime::LoadSpec spec;
    spec.seed = f.seed;
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    spec.threads = f.threads > 0 ? f.threads : static_cast<int>(cores);
    const std::int64_t duration_ns = ParseDurationNs(f.duration, "--duration");
    if (duration_ns <= 0) throw UsageError("--duration: must be positive");
    const std::int64_t ramp_ns = f.ramp_up.empty() ? 0 : ParseDurationNs(f.ramp_up, "--ramp-up");
    if (ramp_ns > duration_ns) throw UsageError("--ramp-up: longer than --duration");

    double target_rps = 0;
    if (!f.stages.empty() || !f.rps.empty()) {
        if (!f.think_time.empty()) throw UsageError("--think-time applies to the closed model only (drop --rps)");
        spec.model = runtime::LoadModel::kOpen;
        if (!f.stages.empty()) {
            if (!f.rps.empty()) throw UsageError("--rps and --stages are exclusive");
            spec.profile = sched::RateProfile(0, ParseStages(f.stages));
        } else {
            const double rps = ParseCount(f.rps, "--rps");
            if (rps <= 0) throw UsageError("--rps: must be positive");
            spec.profile = ramp_ns > 0 ? sched::RateProfile::RampThenHold(rps, ramp_ns, duration_ns)
                                       : sched::RateProfile::Constant(rps, duration_ns);
        }
        const double peak = spec.profile->ArrivalsBy(spec.profile->TotalDurationNs());
        target_rps = peak / (spec.profile->TotalDurationNs() / 1e9);
        double max_rate = 0;
        for (std::int64_t t = 0; t <= spec.profile->TotalDurationNs(); t += spec.profile->TotalDurationNs() / 100 + 1) {
            max_rate = std::max(max_rate, spec.profile->RateAt(t));
        }
        // Open-model pool: enough virtual users for ~100 ms of latency at the peak rate.
        spec.vusers = f.vusers > 0 ? f.vusers : static_cast<int>(std::clamp(std::ceil(max_rate / 10), 32.0, 1000.0));
    } else {
        spec.model = runtime::LoadModel::kClosed;
        spec.vusers = f.vusers > 0 ? f.vusers : 10;
        spec.duration_ns = duration_ns;
        spec.ramp_up_ns = ramp_ns;
        ParseThinkTime(f.think_time, &spec);
    }

    auto cfg = std::make_shared<runtime::RequestRunnerConfig>();
    const http::Url url = http::ParseUrl(f.url);
    std::string body = f.body;
    if (!f.body_file.empty()) {
        if (!body.empty()) throw UsageError("--body and --body-file are exclusive");
        std::ifstream in(f.body_file, std::ios::binary);
        if (!in) throw UsageError("--body-file: cannot read '" + f.body_file + "'");
        body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    const http::Method method = ParseMethod(f.method);
    cfg->origin = url.origin;
    cfg->request = http::PreparedRequest::Build(method, url.origin, url.path_and_query, ParseHeaders(f.headers), body);
    const std::string display_name = f.name.empty() ? f.method + " " + url.path_and_query : f.name;
    cfg->name = metrics::MakeStatKey(metrics::StatKind::kRequest, "url", "request", display_name);
    cfg->accepted = runtime::StatusSet::Parse(f.expect, "--expect");
    const http::ClientOptions client = ToClientOptions(f.client);
    cfg->timeout_ns = client.request_timeout_ns;
    spec.grace_ns = std::min<std::int64_t>(cfg->timeout_ns, spec.grace_ns);

    if (!f.quiet) {
        std::cerr << "lsengine: " << display_name << " on " << url.origin.HostHeader() << " | "
                  << (spec.model == runtime::LoadModel::kOpen ? "open model" : "closed model") << ", "
                  << spec.vusers << " virtual users, " << spec.threads << " threads, "
                  << FormatDurationNs(spec.RunLengthNs()) << "\n";
    }
    runtime::LoadRun run(spec, client, runtime::MakeRequestRunnerFactory(cfg),
                         metrics::MakeStatKey(metrics::StatKind::kScenario, "url"));
    const bool quiet = f.quiet;
    const runtime::RunResult result = run.Run([&](const runtime::RunProgress& p) {
        if (quiet) return;
        const double target = spec.model == runtime::LoadModel::kOpen ? spec.profile->RateAt(p.elapsed_ns - kNsPerSec / 2) : 0;
        std::cerr << report::ProgressLine(p.interval, p.elapsed_ns, p.total_ns, target) << "\n";
    });

    const std::int64_t load_ns = std::min(result.ended_ns - result.started_ns, spec.RunLengthNs());
    report::SummaryInput in(result.total, load_ns > 0 ? load_ns : spec.RunLengthNs(), target_rps, result.interrupted);
    report::ScenarioInfo info;
    info.name = "url";
    info.model = spec.model == runtime::LoadModel::kOpen ? "open" : "closed";
    info.target_rps = target_rps;
    info.vusers = spec.vusers;
    in.scenarios.push_back(info);
    report::PrintSummary(std::cout, in);
    return static_cast<int>(ExitCode::kOk);
}

}  // namespace

CommandFn RegisterUrlCommand(CLI::App& app) {
    auto flags = std::make_shared<UrlFlags>();
    CLI::App* cmd = app.add_subcommand("url", "Load a single URL (open model with --rps/--stages, else closed model)");
    cmd->add_option("URL", flags->url, "http:// or https:// URL")->required();
    cmd->add_option("-X,--method", flags->method, "HTTP method")->capture_default_str();
    cmd->add_option("-H,--header", flags->headers, "Request header 'Name: value' (repeatable)");
    cmd->add_option("--body", flags->body, "Request body");
    cmd->add_option("--body-file", flags->body_file, "Read the request body from a file");
    cmd->add_option("--rps", flags->rps, "Open model: arrivals per second (e.g. 200, 2.5k)");
    cmd->add_option("--stages", flags->stages, "Open model: DURATION:RPS,... linear ramps (e.g. 30s:100,1m:100)");
    cmd->add_option("--vusers", flags->vusers, "Closed model: concurrency; open model: pool of virtual users");
    cmd->add_option("-d,--duration", flags->duration, "Run length (e.g. 30s, 2m)")->capture_default_str();
    cmd->add_option("--ramp-up", flags->ramp_up, "Ramp from zero over this long");
    cmd->add_option("--think-time", flags->think_time, "Closed model pause between iterations: 1s or 0.5s-2s");
    cmd->add_option("--threads", flags->threads, "Worker threads (default: one per core)");
    AddClientFlags(cmd, &flags->client);
    cmd->add_option("--expect", flags->expect, "Accepted statuses: 200,201 / 2xx / 200-299")->capture_default_str();
    cmd->add_option("--name", flags->name, "Name in the summary (default: METHOD path)");
    cmd->add_option("--seed", flags->seed, "Random seed (think time)")->capture_default_str();
    cmd->add_flag("-q,--quiet", flags->quiet, "No progress lines");
    return [flags] { return RunUrl(*flags); };
}

}  // namespace lse::cli
