#include "lse/agent/agent.hpp"

#include <uv.h>

#include <algorithm>
#include <csignal>
#include <cstdint>
#include <string>
#include <utility>

#include "agent_log.hpp"
#include "agent_loop.hpp"
#include "lse/core/clock.hpp"
#include "lse/core/errors.hpp"
#include "lse/protocol/subjects.hpp"
#include "lse/uv/close.hpp"

namespace lse::agent {

Agent::Agent(AgentOptions options) : options_(std::move(options)) {
    protocol::ValidateId("--agent-id", options_.agent_id);
    protocol::ValidateId("--cluster-id", options_.cluster_id);
    protocol::ValidateOptionalId("--group", options_.group);
    protocol::ValidateOptionalId("--region", options_.region);
    if (options_.capacity < 1) throw UsageError("--capacity must be at least 1");
    if (options_.nats.urls.empty()) throw UsageError("no coordinator address: pass --coordinator host:4222");
}

Agent::~Agent() = default;

namespace {

constexpr std::int64_t kFirstRetryNs = kNsPerSec;
constexpr std::int64_t kMaxRetryNs = 30 * kNsPerSec;
/// A refused agent says so again at most this often while it keeps retrying (not on every retry).
constexpr std::int64_t kRepeatRefusalNs = 60 * kNsPerSec;

// Sleeps `ns` on a fresh loop; false when SIGINT or SIGTERM came meanwhile (the agent then exits).
bool WaitOrSignal(std::int64_t ns) {
    uv_loop_t loop;
    uv_loop_init(&loop);
    bool signalled = false;
    uv_timer_t timer;
    uv_signal_t sigint, sigterm;
    uv_timer_init(&loop, &timer);
    uv_signal_init(&loop, &sigint);
    uv_signal_init(&loop, &sigterm);
    timer.data = sigint.data = sigterm.data = &signalled;
    uv_timer_start(&timer, [](uv_timer_t* t) { uv_stop(t->loop); }, static_cast<std::uint64_t>(ns / kNsPerMs), 0);
    auto on_signal = [](uv_signal_t* s, int) {
        *static_cast<bool*>(s->data) = true;
        uv_stop(s->loop);
    };
    uv_signal_start(&sigint, on_signal, SIGINT);
    uv_signal_start(&sigterm, on_signal, SIGTERM);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv::Close(&timer);  // locals: the uv_run below completes their closes before they go out of scope
    uv::Close(&sigint);
    uv::Close(&sigterm);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return !signalled;
}

}  // namespace

int Agent::Run() {
    std::int64_t backoff_ns = kFirstRetryNs;
    std::int64_t said_ns = 0;
    bool quiet = false;
    for (;;) {
        uv_loop_t loop;
        uv_loop_init(&loop);
        int rc = 0;
        std::string refusal;
        const std::int64_t began_ns = static_cast<std::int64_t>(uv_hrtime());
        {
            AgentLoop agent_loop(&loop, options_, quiet);
            rc = agent_loop.Run();
            refusal = agent_loop.Refusal();
        }
        uv_run(&loop, UV_RUN_DEFAULT);  // whatever the closed handles still need
        uv_loop_close(&loop);
        if (refusal.empty()) return rc;
        // The broker refused us (nats.c does not retry an authorization, TLS or creds error).
        if (options_.once) {
            LogLine(options_.agent_id, "exiting (--once): the broker refused this agent");
            return rc;
        }
        const std::int64_t now = static_cast<std::int64_t>(uv_hrtime());
        if (now - began_ns > kRepeatRefusalNs) {  // it had been connected a while: a new problem, said at once
            backoff_ns = kFirstRetryNs;
            quiet = false;
        }
        if (!quiet || now - said_ns >= kRepeatRefusalNs) {
            if (quiet) LogLine(options_.agent_id, "still refused: " + refusal);
            LogLine(options_.agent_id, "retrying with backoff (up to " + std::to_string(kMaxRetryNs / kNsPerSec) +
                                           " s); this is repeated once a minute while it lasts");
            said_ns = now;
        }
        quiet = true;
        if (!WaitOrSignal(backoff_ns)) return 0;
        backoff_ns = std::min(2 * backoff_ns, kMaxRetryNs);
    }
}

}  // namespace lse::agent
