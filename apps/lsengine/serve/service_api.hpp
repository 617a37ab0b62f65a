#pragma once
/// @file
/// The routes of `lsengine serve` (docs/user-guide.md, "Service mode"): bearer auth on everything but /healthz,
/// JSON answers, the run's files served from its directory.

#include <cstdint>
#include <string>

#include "http_server.hpp"

namespace lse::service {

class AgentRegistry;
class RunManager;

class ServiceApi {
public:
    /// `agents` may be null (a service without a broker: GET /agents answers an empty list).
    ServiceApi(RunManager* runs, const AgentRegistry* agents, std::string token);

    void Handle(const HttpRequest& request, HttpResponder& out) const;

private:
    void Runs(const HttpRequest& request, HttpResponder& out) const;
    void OneRun(const HttpRequest& request, const std::string& id, const std::string& rest, HttpResponder& out) const;
    void Events(const HttpRequest& request, const std::string& id, HttpResponder& out) const;
    void Agents(HttpResponder& out) const;
    void Metrics(HttpResponder& out) const;

    RunManager* runs_;
    const AgentRegistry* agents_;
    std::string token_;
    std::int64_t started_ns_;
};

}  // namespace lse::service
