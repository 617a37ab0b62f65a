#include "service_agents.hpp"

#include <chrono>

#include "lse/core/errors.hpp"

namespace lse::service {
namespace {

std::int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

std::string AgentId(std::size_t i) { return "serve-agent-" + std::to_string(i); }

}  // namespace

void ServiceAgents::Start(ServiceAgentOptions options) {
    options_ = std::move(options);
    agents_ = std::vector<process::Process>(static_cast<std::size_t>(options_.count));
    exited_at_ms_.assign(agents_.size(), 0);
    for (std::size_t i = 0; i < agents_.size(); ++i) StartOne(i);
}

void ServiceAgents::StartOne(std::size_t i) {
    process::SpawnOptions spawn;
    spawn.argv = {options_.binary, "--coordinator", options_.nats_url, "--agent-id", AgentId(i), "--cluster-id",
                  options_.cluster_id};
    if (options_.capacity > 0) spawn.argv.insert(spawn.argv.end(), {"--capacity", std::to_string(options_.capacity)});
    spawn.env = {{"LSENGINE_NATS_TOKEN", options_.token}};
    spawn.stdout_path = options_.log_dir + "/" + AgentId(i) + ".log";
    spawn.stderr_path = spawn.stdout_path;
    spawn.append = true;  // one log across restarts
    spawn.stdin_null = true;
    spawn.new_process_group = true;
    if (const auto failed = agents_[i].Start(spawn)) {
        throw SetupError("--agents: cannot start " + failed->path + ": " + failed->Text());
    }
}

void ServiceAgents::Supervise(const std::function<void(const std::string&)>& log) {
    const std::int64_t now = NowMs();
    for (std::size_t i = 0; i < agents_.size(); ++i) {
        if (agents_[i].Running()) {
            if (const auto status = agents_[i].Poll()) {
                log("local agent " + AgentId(i) + " " + status->Describe() + "; restarting it (log: " +
                    options_.log_dir + "/" + AgentId(i) + ".log)");
                exited_at_ms_[i] = now;
            }
            continue;
        }
        if (now - exited_at_ms_[i] < kRestartDelayMs) continue;
        try {
            agents_[i] = process::Process();
            StartOne(i);
        } catch (const std::exception& e) {
            log(e.what());
            exited_at_ms_[i] = now;
        }
    }
}

void ServiceAgents::Stop() noexcept {
    std::vector<process::Process*> all;
    for (auto& p : agents_) all.push_back(&p);
    process::StopAll(all);
}

}  // namespace lse::service
