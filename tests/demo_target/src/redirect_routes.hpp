#pragma once
/// @file
/// Redirect routes of the demo target, the referee of the redirect tests (issue 15): every request that reaches
/// one is logged with what a hop must or must not carry (method, body, Cookie, whether Authorization came), so a
/// test checks at the target that each hop arrived once, as RFC 9110 and the credential rules say.
///
///   ANY /redirect/to?status=S&url=U[&port=P][&cookie=V]  answers S (default 302) with Location: U (as given:
///                              relative or absolute), or http://127.0.0.1:P + U with port=P (another origin);
///                              cookie=V adds Set-Cookie: hop=V; Path=/
///   ANY /redirect/chain/N                       302 to the relative Location "N-1" until N = 0, which is echo
///   ANY /redirect/loop                          302 to itself, forever
///   ANY /redirect/echo                          200 {"method", "body", "cookie", "authorization"}
/// GET /__stats adds "redirect_hops": {"METHOD /path auth=yes|no cookie=... body=...": count}.

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "correlated_flows.hpp"
#include "request.hpp"

namespace lse::demo {

class RedirectRoutes {
public:
    /// The answer when the request's path is under /redirect/, nullopt otherwise.
    std::optional<Answer> Handle(const Request& request);
    nlohmann::json ToJson() const;
    void Reset() { hops_.clear(); }

private:
    std::map<std::string, std::int64_t> hops_;
};

}  // namespace lse::demo
