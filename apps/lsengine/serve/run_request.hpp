#pragma once
/// @file
/// `POST /runs` bodies and the `lsengine run` command line they become. Pure: no files, no processes, so the
/// mapping is tested on its own (tests/service/run_request_test.cpp).
///
/// A body names the script (`script`: its text, or `script_path`: a file on the service's host) and the options
/// of `lsengine run` by their flag names with '_' for '-' (docs/user-guide.md, "Service mode"). Unknown keys are
/// errors: a typo must not silently run the scenario's defaults.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lse::service {

struct RunRequest {
    std::string script;       ///< the script's text (written to the run's directory), or
    std::string script_path;  ///< a script file on the service's host
    int agents = 0;           ///< > 0: the run waits for this many agents of the service's broker
    std::vector<std::string> args;                            ///< `--flag=value` of the options, in body order
    std::vector<std::pair<std::string, std::string>> env;     ///< `env`: lsengine.env of the script
};

/// Parses and validates a body. Throws lse::UsageError whose message names the key ("'duration': expected a
/// string or a number").
RunRequest ParseRunRequest(std::string_view body);

/// Where a run's files live inside its directory.
struct RunFiles {
    std::string dir;
    std::string Script() const { return dir + "/script.lua"; }
    std::string Events() const { return dir + "/events.ndjson"; }
    std::string Summary() const { return dir + "/summary.json"; }
    std::string Report() const { return dir + "/report.html"; }
    std::string Log() const { return dir + "/output.log"; }
    std::string EnvFile() const { return dir + "/env"; }
};

/// The service's broker as a run's child process reaches it (the token travels in the environment).
struct BrokerAccess {
    std::string nats_url;  ///< empty: the service has no broker, so `agents` is refused
    std::string cluster_id;
};

/// The child's argv: `lsengine run SCRIPT --quiet ... --out ndjson=... --summary-json ... --report ...
/// --prometheus 127.0.0.1:PORT` plus the request's options and, with agents, `--external-agents N --nats-url
/// ... --cluster-id ...`. Throws lse::UsageError when the request wants agents and there is no broker.
std::vector<std::string> RunArgv(const std::string& lsengine, const RunRequest& request, const RunFiles& files,
                                 const BrokerAccess& broker, int prometheus_port);

/// The `env` object as an --env-file (every value double-quoted and escaped, so any text survives).
std::string EnvFileText(const std::vector<std::pair<std::string, std::string>>& env);

}  // namespace lse::service
