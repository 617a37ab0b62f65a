#include "lse/coordinator/broker_watch.hpp"

#include <cstdio>
#include <utility>

#include "lse/coordinator/coordinator.hpp"
#include "lse/transport/embedded_broker.hpp"

namespace lse::coordinator {
namespace {

// The first line of an error, without a trailing ':' (nats-server's startup errors run over several lines).
std::string FirstLine(const std::string& text) {
    std::string line = text.substr(0, text.find('\n'));
    while (!line.empty() && (line.back() == ':' || line.back() == ' ')) line.pop_back();
    return line;
}

}  // namespace

std::string SecondsText(std::int64_t ns) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.1f s", static_cast<double>(ns) / 1e9);
    return buf;
}

BrokerWatch::BrokerWatch(transport::EmbeddedBroker& broker, const Coordinator& coordinator,
                         std::function<void(const std::string&)> log)
    : broker_(broker), coordinator_(coordinator), log_(std::move(log)) {}

const std::string& BrokerWatch::Check(std::int64_t now) {
    if (!lost_.empty()) return lost_;
    const std::string at = "at " + SecondsText(now - since_ns_);
    const std::string how = broker_.Exited();  // empty for an external broker
    if (!how.empty()) {
        RestartDeadBroker(how, at);
        return lost_;
    }
    const std::int64_t down = coordinator_.DisconnectedSinceNs();
    if (coordinator_.ConnectionClosed()) {
        lost_ = "the connection to the NATS broker closed for good " + at;
    } else if (down != 0 && now - down >= kBrokerDownBoundNs) {
        lost_ = "the NATS broker was unreachable for " + SecondsText(now - down) + " " + at;
    }
    return lost_;
}

void BrokerWatch::RestartDeadBroker(const std::string& how, const std::string& at) {
    const std::string what = "the NATS broker " + how + " " + at;
    if (static_cast<int>(restarts_.size()) >= kMaxBrokerRestarts) {
        lost_ = what + " after " + std::to_string(kMaxBrokerRestarts) + " restarts";
        return;
    }
    if (log_) log_(what + ": restarting it on port " + std::to_string(broker_.Port()));
    try {
        broker_.Restart();
    } catch (const std::exception& e) {
        lost_ = what + " and could not be restarted (" + FirstLine(e.what()) + ")";
        return;
    }
    restarts_.push_back(how + " " + at);
    if (log_) {
        log_("NATS broker restarted (pid " + std::to_string(broker_.Pid()) +
             "): the agents reconnect and resend what they could not deliver");
    }
}

}  // namespace lse::coordinator
