#pragma once
/// @file
/// The agent's log: one line per state change on stderr, prefixed with the agent id so the lines of
/// several local agents sharing a terminal stay apart.

#include <string_view>

namespace lse::agent {

void LogLine(std::string_view agent_id, std::string_view text);

}  // namespace lse::agent
