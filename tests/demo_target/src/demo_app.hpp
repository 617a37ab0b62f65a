#pragma once
/// @file
/// The demo target's application: routes, fake auth, an in-memory project store, fault
/// injection, the correlated flows (correlated_flows.hpp) and the /__stats counters. Transport-agnostic: it maps a Request to a Reply.

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "correlated_flows.hpp"
#include "redirect_routes.hpp"
#include "request.hpp"
#include "stats.hpp"
#include "upload_routes.hpp"

namespace lse::demo {

class DemoApp {
public:
    DemoApp();

    /// Decides the reply for one request and counts it (except /__stats and /__reset).
    Reply Handle(const Request& request);

    /// Called by the server for every accepted connection.
    void OnConnectionAccepted() { stats_.CountConnection(); }

private:
    Reply Json(int status, const nlohmann::json& body, const Request& request);
    Reply Text(int status, std::string_view body, const Request& request);
    Reply Respond(const Answer& answer, const Request& request);
    Reply Login(const Request& request);
    Reply Products(const Request& request);
    Reply Projects(const Request& request, std::string_view rest);
    Reply Slow(const Request& request);
    Reply Status(const Request& request, std::string_view code);
    Reply Chunked(const Request& request);
    Reply Fault(const Request& request, std::string_view kind);
    std::string NewToken(const std::string& user);

    Stats stats_;
    CorrelatedFlows flows_;
    RedirectRoutes redirects_;
    UploadRoutes uploads_;
    std::set<std::string> tokens_;
    std::map<std::int64_t, nlohmann::json> projects_;
    std::int64_t next_project_id_ = 1;
    std::mt19937_64 rng_;
};

}  // namespace lse::demo
