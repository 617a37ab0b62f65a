#include "lse/protocol/subjects.hpp"

#include <initializer_list>

#include "lse/core/errors.hpp"
#include "lse/protocol/limits.hpp"

namespace lse::protocol {
namespace {

constexpr std::string_view kRules = "ids are 1-64 printable ASCII characters without spaces, '.', '*' or '>'";

std::string Join(std::initializer_list<std::string_view> tokens) {
    std::string out;
    for (std::string_view t : tokens) {
        if (!out.empty()) out.push_back('.');
        out.append(t);
    }
    return out;
}

}  // namespace

bool IsValidId(std::string_view id, std::string* why) {
    auto fail = [&](std::string reason) {
        if (why != nullptr) *why = std::move(reason);
        return false;
    };
    if (id.empty()) return fail("is empty");
    if (id.size() > kMaxIdLength) return fail("is longer than " + std::to_string(kMaxIdLength) + " characters");
    for (char c : id) {
        const auto u = static_cast<unsigned char>(c);
        // '.' separates subject tokens, '*' and '>' are wildcards, whitespace ends a subject in the
        // NATS text protocol; non-ASCII and control bytes are refused to keep ids printable in logs.
        if (u <= 0x20 || u >= 0x7f) return fail("contains a space, control or non-ASCII character");
        if (c == '.' || c == '*' || c == '>') return fail(std::string("contains '") + c + "'");
    }
    return true;
}

void ValidateId(std::string_view what, std::string_view id) {
    std::string why;
    if (!IsValidId(id, &why)) {
        throw UsageError(std::string(what) + " '" + std::string(id) + "' " + why + " (" + std::string(kRules) + ")");
    }
}

void ValidateOptionalId(std::string_view what, std::string_view id) {
    if (!id.empty()) ValidateId(what, id);
}

std::string_view AgentChannelName(AgentChannel channel) noexcept {
    switch (channel) {
        case AgentChannel::kPlan: return "plan";
        case AgentChannel::kStart: return "start";
        case AgentChannel::kStop: return "stop";
        case AgentChannel::kRebalance: return "rebalance";
        case AgentChannel::kMetricsAck: return "metrics-ack";
        default: return "unknown";
    }
}

namespace subjects {

std::string Register(std::string_view cluster) {
    ValidateId("cluster id", cluster);
    return Join({"lse", cluster, "register"});
}

std::string Time(std::string_view cluster) {
    ValidateId("cluster id", cluster);
    return Join({"lse", cluster, "time"});
}

std::string Agent(std::string_view cluster, std::string_view run, std::string_view agent, AgentChannel channel) {
    ValidateId("cluster id", cluster);
    ValidateId("run id", run);
    ValidateId("agent id", agent);
    if (channel >= AgentChannel::kCount) throw UsageError("unknown agent channel");
    return Join({"lse", cluster, run, "agent", agent, AgentChannelName(channel)});
}

std::string AgentInbox(std::string_view cluster, std::string_view agent) {
    ValidateId("cluster id", cluster);
    ValidateId("agent id", agent);
    return Join({"lse", cluster, "*", "agent", agent, "*"});
}

std::string Metrics(std::string_view cluster, std::string_view run, std::string_view agent) {
    ValidateId("cluster id", cluster);
    ValidateId("run id", run);
    ValidateId("agent id", agent);
    return Join({"lse", cluster, run, "metrics", agent});
}

std::string Heartbeat(std::string_view cluster, std::string_view run, std::string_view agent) {
    ValidateId("cluster id", cluster);
    ValidateId("run id", run);
    ValidateId("agent id", agent);
    return Join({"lse", cluster, run, "heartbeat", agent});
}

std::string Ack(std::string_view cluster, std::string_view run, std::string_view agent) {
    ValidateId("cluster id", cluster);
    ValidateId("run id", run);
    ValidateId("agent id", agent);
    return Join({"lse", cluster, run, "ack", agent});
}

std::string CoordinatorHeartbeat(std::string_view cluster, std::string_view run) {
    ValidateId("cluster id", cluster);
    ValidateId("run id", run);
    return Join({"lse", cluster, run, "coordinator", "heartbeat"});
}

std::string AllMetrics(std::string_view cluster, std::string_view run) {
    ValidateId("cluster id", cluster);
    ValidateId("run id", run);
    return Join({"lse", cluster, run, "metrics", "*"});
}

std::string AllHeartbeats(std::string_view cluster, std::string_view run) {
    ValidateId("cluster id", cluster);
    ValidateId("run id", run);
    return Join({"lse", cluster, run, "heartbeat", "*"});
}

std::string AllAcks(std::string_view cluster, std::string_view run) {
    ValidateId("cluster id", cluster);
    ValidateId("run id", run);
    return Join({"lse", cluster, run, "ack", "*"});
}

std::string_view LastToken(std::string_view subject) noexcept {
    const std::size_t dot = subject.rfind('.');
    return dot == std::string_view::npos ? subject : subject.substr(dot + 1);
}

}  // namespace subjects
}  // namespace lse::protocol
