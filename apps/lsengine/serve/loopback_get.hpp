#pragma once
/// @file
/// One blocking GET to 127.0.0.1: how the service reads its current run's /metrics (the child's --prometheus).

#include <optional>
#include <string>

namespace lse::service {

/// The body of a 200 answer to `GET path` on 127.0.0.1:port within timeout_ms; nullopt on any failure (refused,
/// timeout, other status, a body larger than max_bytes).
std::optional<std::string> LoopbackGet(int port, const std::string& path, int timeout_ms,
                                       std::size_t max_bytes = 64u << 20);

}  // namespace lse::service
