#include "lse/agent/agent.hpp"

#include <uv.h>

#include <utility>

#include "agent_loop.hpp"
#include "lse/core/errors.hpp"
#include "lse/protocol/subjects.hpp"

namespace lse::agent {

Agent::Agent(AgentOptions options) : options_(std::move(options)) {
    protocol::ValidateId("--agent-id", options_.agent_id);
    protocol::ValidateId("--cluster-id", options_.cluster_id);
    protocol::ValidateOptionalId("--group", options_.group);
    if (options_.capacity < 1) throw UsageError("--capacity must be at least 1");
    if (options_.nats.urls.empty()) throw UsageError("no coordinator address: pass --coordinator host:4222");
}

Agent::~Agent() = default;

int Agent::Run() {
    uv_loop_t loop;
    uv_loop_init(&loop);
    int rc = 0;
    {
        AgentLoop agent_loop(&loop, options_);
        rc = agent_loop.Run();
    }
    uv_run(&loop, UV_RUN_DEFAULT);  // whatever the closed handles still need
    uv_loop_close(&loop);
    return rc;
}

}  // namespace lse::agent
