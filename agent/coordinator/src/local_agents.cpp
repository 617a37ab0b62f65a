#include "lse/coordinator/local_agents.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string_view>

#include "lse/core/errors.hpp"

namespace lse::coordinator {

std::string AgentBinaryBeside(const std::string& self_exe) {
    char buf[4096];
    const ssize_t n = ::readlink(self_exe.c_str(), buf, sizeof buf - 1);
    std::string path = n > 0 ? std::string(buf, static_cast<size_t>(n)) : self_exe;
    const auto slash = path.rfind('/');
    const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
    const std::string candidate = dir + "/lsengine-agent";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    // Build trees keep each executable in its own directory: apps/lsengine and apps/lsengine-agent.
    const std::string sibling = dir + "/../lsengine-agent/lsengine-agent";
    if (::access(sibling.c_str(), X_OK) == 0) return sibling;
    return "";
}

namespace {

constexpr std::string_view kLogDirPrefix = "lsengine-agents-";

// Removes `<base>/lsengine-agents-<pid>-*` directories whose pid is no longer running (or is not ours to see).
void RemoveStaleLogDirs(const std::string& base) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(base, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.compare(0, kLogDirPrefix.size(), kLogDirPrefix) != 0) continue;
        const long pid = std::strtol(name.c_str() + kLogDirPrefix.size(), nullptr, 10);
        if (pid <= 0 || (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM)) continue;
        std::error_code ignored;
        std::filesystem::remove_all(entry.path(), ignored);
    }
}

}  // namespace

LocalAgents::~LocalAgents() { Stop(); }

void LocalAgents::Start(const LocalAgentOptions& options) {
    if (!children_.empty()) throw SetupError("local agents already started");
    if (options.binary.empty() || ::access(options.binary.c_str(), X_OK) != 0) {
        throw SetupError("cannot start local agents: lsengine-agent not found" +
                         (options.binary.empty() ? std::string(" next to lsengine") : " at " + options.binary) +
                         " (install it beside lsengine, or use --external-agents)");
    }
    // Under $TMPDIR like the broker's files (tests point it into the build tree), /tmp without it. The directory
    // names the coordinator's pid, so the directories of coordinators that were killed (SIGKILL leaves no time to
    // clean up) are found and removed here, at the next start.
    const char* tmpdir = std::getenv("TMPDIR");
    const std::string base = tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
    RemoveStaleLogDirs(base);
    std::string tmpl = base + "/lsengine-agents-" + std::to_string(::getpid()) + "-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) {
        throw SetupError("cannot create a log directory " + tmpl + ": " + strerror(errno));
    }
    log_dir_ = tmpl;
    for (int i = 0; i < options.count; ++i) {
        Child c;
        c.id = "agent-" + std::to_string(i);
        c.log_path = log_dir_ + "/" + c.id + ".log";
        process::SpawnOptions spawn;
        spawn.argv = {options.binary, "--coordinator", options.nats_url, "--agent-id", c.id,
                      "--cluster-id", options.cluster_id, "--once"};
        if (options.capacity > 0) {
            spawn.argv.push_back("--capacity");
            spawn.argv.push_back(std::to_string(options.capacity));
        }
        spawn.argv.insert(spawn.argv.end(), options.extra_args.begin(), options.extra_args.end());
        spawn.env = {{"LSENGINE_NATS_TOKEN", options.token}};
        spawn.env.insert(spawn.env.end(), options.extra_env.begin(), options.extra_env.end());
        spawn.stdout_path = c.log_path;  // the agent logs to stderr; LogTail reads it for error messages
        spawn.stderr_path = c.log_path;
        spawn.stdin_null = true;
        spawn.new_process_group = true;  // a Ctrl-C in the terminal reaches the coordinator only: it stops agents
        if (const auto error = c.process.Start(spawn)) {
            if (error->stage == process::SpawnError::Stage::kOpenFile) {
                throw SetupError("cannot create " + c.log_path + ": " + error->Text());
            }
            throw SetupError("cannot start lsengine-agent: " +
                             std::string(error->stage == process::SpawnError::Stage::kSetup ? "fork: " : "") +
                             error->Text());
        }
        children_.push_back(std::move(c));
    }
}

std::vector<std::string> LocalAgents::Exited() {
    std::vector<std::string> out;
    for (Child& c : children_) {
        if (c.process.Poll()) out.push_back(c.id);
    }
    return out;
}

std::string LocalAgents::LogTail(int index, std::size_t max_bytes) const {
    std::ifstream in(children_[index].log_path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    if (s.size() > max_bytes) s = s.substr(s.size() - max_bytes);
    return s;
}

void LocalAgents::Stop() noexcept {
    std::vector<process::Process*> running;
    for (Child& c : children_) running.push_back(&c.process);
    process::StopAll(running);
    if (std::getenv("LSENGINE_KEEP_AGENT_LOGS") == nullptr) {
        for (const Child& c : children_) ::unlink(c.log_path.c_str());
        if (!log_dir_.empty()) ::rmdir(log_dir_.c_str());
    } else if (!log_dir_.empty()) {
        std::fprintf(stderr, "lsengine: agent logs kept in %s\n", log_dir_.c_str());
    }
    children_.clear();
    log_dir_.clear();
}

}  // namespace lse::coordinator
