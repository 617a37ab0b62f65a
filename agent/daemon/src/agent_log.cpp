#include "agent_log.hpp"

#include <cstdio>
#include <string>

namespace lse::agent {

void LogLine(std::string_view agent_id, std::string_view text) {
    // One fprintf per line: lines of concurrent writers (local agents) do not interleave mid-line.
    std::string line = "lsengine-agent[";
    line.append(agent_id).append("]: ").append(text).append("\n");
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
}

}  // namespace lse::agent
