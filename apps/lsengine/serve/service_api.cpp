#include "service_api.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent_registry.hpp"
#include "bearer_auth.hpp"
#include "loopback_get.hpp"
#include "lse/core/errors.hpp"
#include "run_manager.hpp"

namespace lse::service {
namespace {

using nlohmann::json;

constexpr std::string_view kJson = "application/json";
constexpr std::size_t kLogTailBytes = 4096;
constexpr std::size_t kIntervalScanBytes = 1u << 20;  // the last interval line is far shorter than this

void SendJson(HttpResponder& out, int status, const json& body,
              const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    out.Send(status, kJson, body.dump(2, ' ', false, json::error_handler_t::replace) + "\n", headers);
}

void SendError(HttpResponder& out, int status, const std::string& message,
               const std::vector<std::pair<std::string, std::string>>& headers = {}) {
    SendJson(out, status, json{{"error", message}}, headers);
}

// The last `bytes` of a file (all of it when shorter); "" when it cannot be read.
std::string Tail(const std::string& path, std::size_t bytes) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return {};
    const std::streamoff size = in.tellg();
    const std::streamoff from = size > static_cast<std::streamoff>(bytes) ? size - static_cast<std::streamoff>(bytes) : 0;
    in.seekg(from);
    std::string out(static_cast<std::size_t>(size - from), '\0');
    in.read(out.data(), static_cast<std::streamsize>(out.size()));
    out.resize(static_cast<std::size_t>(in.gcount()));
    return out;
}

// The latest "interval" line of a run's ndjson, parsed; null when there is none yet.
json LatestInterval(const std::string& path) {
    const std::string tail = Tail(path, kIntervalScanBytes);
    std::size_t end = tail.size();
    while (end > 0) {
        const std::size_t start = tail.rfind('\n', end - 1);
        const std::size_t from = start == std::string::npos ? 0 : start + 1;
        const std::string_view line(tail.data() + from, end - from);
        if (line.find("\"type\":\"interval\"") != std::string_view::npos) {
            json j = json::parse(line, nullptr, false);
            if (!j.is_discarded()) return j;
        }
        if (start == std::string::npos) break;
        end = start;
    }
    return nullptr;
}

json ReadJsonFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return nullptr;
    json j = json::parse(in, nullptr, false);
    return j.is_discarded() ? json(nullptr) : j;
}

json RunJson(const RunInfo& r, bool detail) {
    const std::string base = "/runs/" + r.id;
    json j{{"id", r.id},
           {"status", RunStatusName(r.status)},
           {"exit_code", r.exit_code ? json(*r.exit_code) : json(nullptr)},
           {"created_unix_ms", r.created_unix_ms},
           {"ended_unix_ms", r.ended_unix_ms > 0 ? json(r.ended_unix_ms) : json(nullptr)},
           {"agents", r.agents},
           {"stop_requests", r.stop_requests},
           {"links", {{"self", base}, {"events", base + "/events"}, {"report", base + "/report"}}}};
    if (!r.exit_text.empty()) j["exit"] = r.exit_text;
    if (!r.error.empty()) j["error"] = r.error;
    if (!detail) return j;
    j["latest_interval"] = LatestInterval(r.files.Events());
    if (r.Finished()) {
        j["summary"] = ReadJsonFile(r.files.Summary());
        j["report_ready"] = std::filesystem::exists(r.files.Report());
        // What went wrong is in the child's own words (a script error, a bad flag): show the end of its log.
        if (r.status != RunStatus::kPassed) j["log_tail"] = Tail(r.files.Log(), kLogTailBytes);
    }
    return j;
}

std::string EventType(const std::string& line) {
    const json j = json::parse(line, nullptr, false);
    if (j.is_object() && j.contains("type") && j["type"].is_string()) return j["type"].get<std::string>();
    return "message";
}

bool ValidRunId(const std::string& id) {
    if (id.empty() || id.size() > 64) return false;
    for (const char c : id) {
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    }
    return true;
}

}  // namespace

ServiceApi::ServiceApi(RunManager* runs, const AgentRegistry* agents, std::string token)
    : runs_(runs), agents_(agents), token_(std::move(token)), started_ns_(MonotonicNs()) {}

void ServiceApi::Handle(const HttpRequest& request, HttpResponder& out) const {
    const std::string& path = request.path;
    if (path == "/healthz") {
        if (request.method != "GET" && request.method != "HEAD") return SendError(out, 405, "use GET");
        return out.Send(200, "text/plain", request.method == "HEAD" ? "" : "ok\n");
    }
    if (!BearerTokenMatches(request.Header("authorization"), token_)) {
        return SendError(out, 401, "missing or wrong bearer token (Authorization: Bearer <token>)",
                         {{"WWW-Authenticate", "Bearer realm=\"lsengine\""}});
    }
    if (path == "/runs" || path == "/runs/") return Runs(request, out);
    if (path.rfind("/runs/", 0) == 0) {
        const std::string rest = path.substr(6);
        const auto slash = rest.find('/');
        const std::string id = rest.substr(0, slash);
        return OneRun(request, id, slash == std::string::npos ? "" : rest.substr(slash), out);
    }
    if (path == "/agents") {
        if (request.method != "GET") return SendError(out, 405, "use GET");
        return Agents(out);
    }
    if (path == "/metrics") {
        if (request.method != "GET") return SendError(out, 405, "use GET");
        return Metrics(out);
    }
    SendError(out, 404, "no such endpoint: " + path +
                            " (POST /runs, GET /runs/{id}[/events|/report], DELETE /runs/{id}, GET /agents, "
                            "GET /metrics, GET /healthz)");
}

void ServiceApi::Runs(const HttpRequest& request, HttpResponder& out) const {
    if (request.method == "GET") {
        json list = json::array();
        for (const RunInfo& r : runs_->List()) list.push_back(RunJson(r, false));
        return SendJson(out, 200, json{{"runs", list}});
    }
    if (request.method != "POST") return SendError(out, 405, "use POST to start a run, GET to list them");
    RunRequest run;
    try {
        run = ParseRunRequest(request.body);
    } catch (const UsageError& e) {
        return SendError(out, 400, e.what());
    }
    try {
        const std::string id = runs_->Submit(run);
        SendJson(out, 201, json{{"id", id}, {"status", "running"}, {"links", {{"self", "/runs/" + id}}}},
                 {{"Location", "/runs/" + id}});
    } catch (const RunConflict& e) {
        SendJson(out, 409, json{{"error", e.what()}, {"active", e.Active()}});
    } catch (const UsageError& e) {
        SendError(out, 400, e.what());
    } catch (const std::exception& e) {
        SendError(out, 500, e.what());
    }
}

void ServiceApi::OneRun(const HttpRequest& request, const std::string& id, const std::string& rest,
                        HttpResponder& out) const {
    const std::optional<RunInfo> run = ValidRunId(id) ? runs_->Get(id) : std::nullopt;
    if (!run) return SendError(out, 404, "no run '" + id + "'");
    if (rest.empty() || rest == "/") {
        if (request.method == "GET") return SendJson(out, 200, RunJson(*run, true));
        if (request.method != "DELETE") return SendError(out, 405, "use GET, or DELETE to stop the run");
        switch (runs_->Stop(id)) {
            case RunManager::StopResult::kNotFound: return SendError(out, 404, "no run '" + id + "'");
            case RunManager::StopResult::kAlreadyFinished:
                return SendJson(out, 200, json{{"id", id}, {"status", RunStatusName(run->status)}, {"stop", "finished"}});
            case RunManager::StopResult::kDraining:
                return SendJson(out, 202, json{{"id", id}, {"status", "running"}, {"stop", "draining"}});
            case RunManager::StopResult::kAborting:
                return SendJson(out, 202, json{{"id", id}, {"status", "running"}, {"stop", "aborting"}});
        }
        return;
    }
    if (request.method != "GET") return SendError(out, 405, "use GET");
    if (rest == "/events") return Events(request, id, out);
    if (rest == "/report") {
        std::ifstream in(run->files.Report(), std::ios::binary);
        if (!in) {
            return SendError(out, 404, run->Finished() ? "this run wrote no report (see GET /runs/" + id + ")"
                                                       : "the report is written when the run ends");
        }
        std::ostringstream html;
        html << in.rdbuf();
        return out.Send(200, "text/html; charset=utf-8", html.str());
    }
    SendError(out, 404, "no such endpoint: " + request.path);
}

// Follows the run's ndjson file line by line until the run has ended and every line was sent.
void ServiceApi::Events(const HttpRequest& request, const std::string& id, HttpResponder& out) const {
    const bool sse = request.Header("accept").find("text/event-stream") != std::string::npos;
    if (!out.BeginStream(200, sse ? "text/event-stream" : "application/x-ndjson")) return;
    const std::string path = runs_->Get(id)->files.Events();
    std::ifstream in;
    std::string partial;
    auto last_write = std::chrono::steady_clock::now();
    while (!out.Stopping()) {
        const std::optional<RunInfo> run = runs_->Get(id);
        const bool finished = !run || run->Finished();  // read after the check: lines written before exit count
        if (!in.is_open()) in.open(path, std::ios::binary);
        bool any = false;
        if (in.is_open()) {
            char buf[16 * 1024];
            while (in.read(buf, sizeof buf) || in.gcount() > 0) {
                partial.append(buf, static_cast<std::size_t>(in.gcount()));
                any = true;
            }
            in.clear();  // at EOF: keep the position, more lines come
        }
        std::size_t newline;
        while ((newline = partial.find('\n')) != std::string::npos) {
            const std::string line = partial.substr(0, newline);
            partial.erase(0, newline + 1);
            const std::string chunk = sse ? "event: " + EventType(line) + "\ndata: " + line + "\n\n" : line + "\n";
            if (!out.Write(chunk)) return;
            last_write = std::chrono::steady_clock::now();
        }
        if (finished && !any) return;
        if (sse && std::chrono::steady_clock::now() - last_write > std::chrono::seconds(15)) {
            if (!out.Write(": keep-alive\n\n")) return;  // proxies close idle streams
            last_write = std::chrono::steady_clock::now();
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
}

void ServiceApi::Agents(HttpResponder& out) const {
    json list = json::array();
    if (agents_ != nullptr) {
        const std::int64_t now = MonotonicNs();
        for (const AgentEntry& a : agents_->Agents(now)) {
            json j{{"id", a.id},
                   {"host", a.host},
                   {"group", a.group},
                   {"capacity", a.capacity},
                   {"state", a.state},
                   {"busy", a.state != "idle" && a.state != "gone"},
                   {"last_seen_s_ago", static_cast<double>(now - a.last_seen_ns) / 1e9},
                   {"version", a.version},
                   {"pid", a.pid}};
            if (!a.run_id.empty()) j["run_id"] = a.run_id;
            list.push_back(std::move(j));
        }
    }
    SendJson(out, 200, json{{"agents", list}});
}

void ServiceApi::Metrics(HttpResponder& out) const {
    std::ostringstream text;
    text << "# HELP lsengine_service_up 1 while lsengine serve answers.\n# TYPE lsengine_service_up gauge\n"
            "lsengine_service_up 1\n";
    text << "# HELP lsengine_service_uptime_seconds Seconds since lsengine serve started.\n"
            "# TYPE lsengine_service_uptime_seconds gauge\nlsengine_service_uptime_seconds "
         << static_cast<double>(MonotonicNs() - started_ns_) / 1e9 << "\n";
    const auto counts = runs_->FinishedCounts();
    text << "# HELP lsengine_service_runs_total Runs that ended, by final status.\n"
            "# TYPE lsengine_service_runs_total counter\n";
    for (const RunStatus s : {RunStatus::kPassed, RunStatus::kFailed, RunStatus::kInterrupted, RunStatus::kError}) {
        const auto it = counts.find(s);
        text << "lsengine_service_runs_total{status=\"" << RunStatusName(s) << "\"} "
             << (it == counts.end() ? 0 : it->second) << "\n";
    }
    const std::optional<RunInfo> active = runs_->Active();
    text << "# HELP lsengine_service_run_active 1 while a run is going on.\n# TYPE lsengine_service_run_active gauge\n"
            "lsengine_service_run_active "
         << (active ? 1 : 0) << "\n";
    if (agents_ != nullptr) {
        std::map<std::string, int> by_state{{"idle", 0}, {"gone", 0}};
        for (const AgentEntry& a : agents_->Agents(MonotonicNs())) ++by_state[a.state];
        text << "# HELP lsengine_service_agents Agents seen on the service's broker, by state.\n"
                "# TYPE lsengine_service_agents gauge\n";
        for (const auto& [state, n] : by_state) text << "lsengine_service_agents{state=\"" << state << "\"} " << n << "\n";
    }
    // The current run's own families (lsengine_requests_total...), from the child's --prometheus endpoint.
    if (active && active->status == RunStatus::kRunning && active->prometheus_port > 0) {
        if (const auto body = LoopbackGet(active->prometheus_port, "/metrics", 2000)) text << *body;
    }
    out.Send(200, "text/plain; version=0.0.4; charset=utf-8", text.str());
}

}  // namespace lse::service
