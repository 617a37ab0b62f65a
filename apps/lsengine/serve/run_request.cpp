#include "run_request.hpp"

#include <nlohmann/json.hpp>

#include <array>

#include "lse/core/errors.hpp"

namespace lse::service {
namespace {

enum class Kind {
    kValue,      ///< a string or a number: --flag=value
    kList,       ///< an array of strings (or one string): --flag=value per element
    kCommaList,  ///< an array of strings (or one string): --flag=a,b
    kBool,       ///< true: --flag
};

struct Option {
    std::string_view key;
    std::string_view flag;
    Kind kind;
};

// The `lsengine run` options a request may set. Output paths, --prometheus, --config and the broker flags
// are the service's: a request cannot point them elsewhere.
constexpr std::array kOptions{
    Option{"target", "--target", Kind::kValue},
    Option{"scenario", "--scenario", Kind::kCommaList},
    Option{"rps", "--rps", Kind::kValue},
    Option{"vusers", "--vusers", Kind::kValue},
    Option{"duration", "--duration", Kind::kValue},
    Option{"iterations", "--iterations", Kind::kValue},
    Option{"ramp_up", "--ramp-up", Kind::kValue},
    Option{"max_wait", "--max-wait", Kind::kValue},
    Option{"threads", "--threads", Kind::kValue},
    Option{"seed", "--seed", Kind::kValue},
    Option{"timeout", "--timeout", Kind::kValue},
    Option{"connect_timeout", "--connect-timeout", Kind::kValue},
    Option{"max_instructions", "--max-instructions", Kind::kValue},
    Option{"thresholds", "--threshold", Kind::kList},
    Option{"threshold_abort", "--threshold-abort", Kind::kList},
    Option{"redact", "--redact", Kind::kList},
    Option{"allow_script_errors", "--allow-script-errors", Kind::kBool},
    Option{"insecure", "--insecure", Kind::kBool},
    Option{"agent_group", "--agent-group", Kind::kValue},
    Option{"agent_wait", "--agent-wait", Kind::kValue},
    Option{"coordinator_scenarios", "--coordinator-scenarios", Kind::kCommaList},
    Option{"agent_scenarios", "--agent-scenarios", Kind::kCommaList},
};

[[noreturn]] void Bad(std::string_view key, const std::string& why) {
    throw UsageError("'" + std::string(key) + "': " + why);
}

// Values go into argv as "--flag=value", so a value can never be read as another flag; the rest is refused
// because no option of lsengine takes it and it would only garble the child's log.
std::string CheckedText(std::string_view key, std::string text) {
    for (const char c : text) {
        if (static_cast<unsigned char>(c) < 0x20) Bad(key, "control characters (newlines) are not allowed");
    }
    return text;
}

std::string ScalarText(std::string_view key, const nlohmann::json& v) {
    if (v.is_string()) return CheckedText(key, v.get<std::string>());
    if (v.is_number_integer() || v.is_number_unsigned() || v.is_number_float()) return v.dump();
    Bad(key, "expected a string or a number");
}

std::vector<std::string> TextList(std::string_view key, const nlohmann::json& v) {
    if (v.is_string()) return {CheckedText(key, v.get<std::string>())};
    if (!v.is_array()) Bad(key, "expected an array of strings");
    std::vector<std::string> out;
    for (const auto& e : v) {
        if (!e.is_string()) Bad(key, "expected an array of strings");
        out.push_back(CheckedText(key, e.get<std::string>()));
    }
    return out;
}

bool IsEnvKey(std::string_view k) {
    if (k.empty() || (k[0] >= '0' && k[0] <= '9')) return false;
    for (const char c : k) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok) return false;
    }
    return true;
}

void AddOption(const Option& o, const nlohmann::json& v, RunRequest* out) {
    const std::string flag(o.flag);
    switch (o.kind) {
        case Kind::kValue:
            out->args.push_back(flag + "=" + ScalarText(o.key, v));
            break;
        case Kind::kList:
            for (std::string& s : TextList(o.key, v)) out->args.push_back(flag + "=" + s);
            break;
        case Kind::kCommaList: {
            std::string joined;
            for (const std::string& s : TextList(o.key, v)) joined += (joined.empty() ? "" : ",") + s;
            out->args.push_back(flag + "=" + joined);
            break;
        }
        case Kind::kBool:
            if (!v.is_boolean()) Bad(o.key, "expected true or false");
            if (v.get<bool>()) out->args.push_back(flag);
            break;
    }
}

}  // namespace

RunRequest ParseRunRequest(std::string_view body) {
    const nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
    if (doc.is_discarded()) throw UsageError("the body is not valid JSON");
    if (!doc.is_object()) throw UsageError("the body must be a JSON object");
    RunRequest out;
    for (const auto& [key, value] : doc.items()) {
        if (key == "script" || key == "script_path") {
            if (!value.is_string() || value.get<std::string>().empty()) Bad(key, "expected a non-empty string");
            // The text goes into a file; a path goes into argv, so it must be one line.
            if (key == "script") {
                out.script = value.get<std::string>();
            } else {
                out.script_path = CheckedText(key, value.get<std::string>());
            }
        } else if (key == "agents") {
            if (!value.is_number_integer() || value.get<long long>() < 1 || value.get<long long>() > 100000) {
                Bad(key, "expected a whole number of agents (1 or more)");
            }
            out.agents = value.get<int>();
        } else if (key == "env") {
            if (!value.is_object()) Bad(key, "expected an object of KEY: \"value\"");
            for (const auto& [k, v] : value.items()) {
                if (!IsEnvKey(k)) Bad("env." + k, "not a valid variable name (letters, digits, '_')");
                if (!v.is_string()) Bad("env." + k, "expected a string");
                out.env.emplace_back(k, v.get<std::string>());
            }
        } else {
            const Option* option = nullptr;
            for (const Option& o : kOptions) {
                if (o.key == key) option = &o;
            }
            if (option == nullptr) {
                std::string known = "script, script_path, agents, env";
                for (const Option& o : kOptions) known += ", " + std::string(o.key);
                Bad(key, "unknown option (known: " + known + ")");
            }
            AddOption(*option, value, &out);
        }
    }
    if (out.script.empty() == out.script_path.empty()) {
        throw UsageError("give the script as 'script' (its text) or 'script_path' (a file on the service's host), "
                         "exactly one of them");
    }
    if (!out.script_path.empty() && out.script_path.front() != '/') {
        Bad("script_path", "expected an absolute path on the service's host (its working directory is no "
                           "concern of the client)");
    }
    return out;
}

std::vector<std::string> RunArgv(const std::string& lsengine, const RunRequest& request, const RunFiles& files,
                                 const BrokerAccess& broker, int prometheus_port) {
    std::vector<std::string> argv = {lsengine,
                                     "run",
                                     request.script.empty() ? request.script_path : files.Script(),
                                     "--quiet",
                                     "--out=ndjson=" + files.Events(),
                                     "--summary-json=" + files.Summary(),
                                     "--report=" + files.Report(),
                                     "--prometheus=127.0.0.1:" + std::to_string(prometheus_port)};
    if (!request.env.empty()) argv.push_back("--env-file=" + files.EnvFile());
    if (request.agents > 0) {
        if (broker.nats_url.empty()) throw UsageError("'agents': this service has no broker");
        argv.insert(argv.end(), {"--external-agents=" + std::to_string(request.agents),
                                 "--nats-url=" + broker.nats_url, "--cluster-id=" + broker.cluster_id});
    }
    argv.insert(argv.end(), request.args.begin(), request.args.end());
    return argv;
}

std::string EnvFileText(const std::vector<std::pair<std::string, std::string>>& env) {
    std::string out;
    for (const auto& [key, value] : env) {
        out += key + "=\"";
        for (const char c : value) {
            switch (c) {
                case '\\': out += "\\\\"; break;
                case '"': out += "\\\""; break;
                case '\n': out += "\\n"; break;
                case '\r': out += "\\r"; break;
                case '\t': out += "\\t"; break;
                default: out += c;
            }
        }
        out += "\"\n";
    }
    return out;
}

}  // namespace lse::service
