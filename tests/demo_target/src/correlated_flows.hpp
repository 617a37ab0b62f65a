#pragma once
/// @file
/// The demo target's correlated-flow endpoints (issue 14): every follow-up request must carry a value the
/// server handed out in an earlier response, so the counters here are the referee of response-value
/// replay. Orders CRUD (random ids), a CSRF form (token in the HTML, session in a cookie) and a 303
/// redirect to a one-time landing page, plus create variants whose answer lacks the id or is not JSON.
///
/// Counters, served under "orders", "form" and "redirect" in GET /__stats:
///   orders:   created (with an id), created_without_id (?omit_id=1), created_not_json (?html=1),
///             bad_body (400: not a JSON object, or no "sku"), empty_id (404: /api/v1/orders/ with no id),
///             wrong_id (404: an id never created or already deleted), id_mismatch (400: the body's "id"
///             differs from the path's), lifecycles ({"get=G update=U delete=D": orders}: how often each
///             created order was read, updated (PUT or PATCH) and deleted, successfully).
///   form:     pages (GET /form), accepted (200), rejected (403), rejected_by_reason
///             ({"no session cookie" | "unknown session" | "wrong csrf token": n}).
///   redirect: issued, issued_absolute (?absolute=1: Location is http://<Host>/landing/<id>), landed
///             (first GET of an issued id), unknown (an id never issued), repeated (a second GET).

#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>

#include <nlohmann/json.hpp>

#include "request.hpp"

namespace lse::demo {

/// What a flow endpoint answers; the caller serialises it (and counts the status).
struct Answer {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::string headers;  ///< Extra header lines, each ending in CRLF (Set-Cookie, Location).
};

class CorrelatedFlows {
public:
    CorrelatedFlows();

    /// The answer when the request's path is one of the flow routes, nullopt otherwise.
    std::optional<Answer> Handle(const Request& request);

    /// {"orders": ..., "form": ..., "redirect": ...}, the counters described above.
    nlohmann::json ToJson() const;

    /// Forgets every order, session and landing id with the counters, so a test's counts start from zero.
    void Reset();

private:
    struct Order {
        nlohmann::json data;  ///< What GET returns; "id" included.
        int gets = 0;
        int updates = 0;
        int deletes = 0;
    };

    Answer CreateOrder(const Request& request);
    Answer OrderItem(const Request& request, std::string_view id_text);
    Answer Form(const Request& request);
    Answer LoginRedirect(const Request& request);
    Answer Landing(std::string_view id_text);
    /// A random decimal id of 13 digits: not sequential, hard to guess, and exact as a Lua number
    /// (below 2^53, and LuaJIT prints it without an exponent).
    std::int64_t NewId();
    std::string NewHex();

    std::mt19937_64 rng_;
    std::map<std::int64_t, Order> orders_;  ///< Deleted orders stay (deletes == 1) for the lifecycle counts.
    std::map<std::string, std::string> csrf_by_session_;
    std::map<std::int64_t, bool> landing_visited_;

    struct OrderCounts {
        std::int64_t created = 0, created_without_id = 0, created_not_json = 0, bad_body = 0, empty_id = 0,
                     wrong_id = 0, id_mismatch = 0;
    } order_counts_;
    struct FormCounts {
        std::int64_t pages = 0, accepted = 0;
        std::map<std::string, std::int64_t> rejected_by_reason;
    } form_counts_;
    struct RedirectCounts {
        std::int64_t issued = 0, issued_absolute = 0, landed = 0, unknown = 0, repeated = 0;
    } redirect_counts_;
};

}  // namespace lse::demo
