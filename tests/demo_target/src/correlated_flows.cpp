#include "correlated_flows.hpp"

#include <charconv>
#include <cstdio>

namespace lse::demo {
namespace {

constexpr std::string_view kOrders = "/api/v1/orders";
constexpr std::int64_t kIdLow = 1'000'000'000'000;  // 13 digits...
constexpr std::int64_t kIdHigh = 9'999'999'999'999;  // ...always, so ids never look sequential.

bool ParseId(std::string_view text, std::int64_t* out) {
    if (text.empty()) return false;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
    return ec == std::errc() && ptr == text.data() + text.size();
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

Answer JsonAnswer(int status, const nlohmann::json& body) { return {status, "application/json", body.dump(), {}}; }

Answer TextAnswer(int status, std::string body) { return {status, "text/plain", std::move(body), {}}; }

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// application/x-www-form-urlencoded: '+' is a space, %XX a byte (a malformed escape is kept as text).
std::string FormDecode(std::string_view text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+') {
            out += ' ';
        } else if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
                   HexValue(text[i + 2]) >= 0) {
            out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

/// The decoded value of field `name` in a urlencoded body, nullopt when absent.
std::optional<std::string> FormField(std::string_view body, std::string_view name) {
    while (!body.empty()) {
        const size_t amp = body.find('&');
        const std::string_view pair = body.substr(0, amp);
        const size_t eq = pair.find('=');
        if (FormDecode(pair.substr(0, eq)) == name) {
            return eq == std::string_view::npos ? std::string() : FormDecode(pair.substr(eq + 1));
        }
        if (amp == std::string_view::npos) break;
        body.remove_prefix(amp + 1);
    }
    return std::nullopt;
}

/// The value of cookie `name` in a Cookie header ("a=1; session=xyz"), nullopt when absent.
std::optional<std::string> CookieValue(std::string_view header, std::string_view name) {
    while (!header.empty()) {
        const size_t semi = header.find(';');
        std::string_view pair = header.substr(0, semi);
        while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
        const size_t eq = pair.find('=');
        if (eq != std::string_view::npos && pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
        if (semi == std::string_view::npos) break;
        header.remove_prefix(semi + 1);
    }
    return std::nullopt;
}

// A body's "id" may be the number itself or its decimal text: both name the path's order.
bool IdMatches(const nlohmann::json& id, std::int64_t path_id) {
    if (id.is_number_integer()) return id.get<std::int64_t>() == path_id;
    if (id.is_string()) return id.get<std::string>() == std::to_string(path_id);
    return false;
}

}  // namespace

CorrelatedFlows::CorrelatedFlows() : rng_(std::random_device{}()) {}

std::int64_t CorrelatedFlows::NewId() {
    std::uniform_int_distribution<std::int64_t> pick(kIdLow, kIdHigh);
    std::int64_t id = pick(rng_);
    while (orders_.count(id) != 0 || landing_visited_.count(id) != 0) id = pick(rng_);
    return id;
}

std::string CorrelatedFlows::NewHex() {
    char hex[17];
    std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(rng_()));
    return hex;
}

std::optional<Answer> CorrelatedFlows::Handle(const Request& request) {
    const std::string_view path = request.Path();
    if (path == kOrders) {
        return request.method == "POST" ? CreateOrder(request) : JsonAnswer(405, {{"error", "use POST"}});
    }
    if (StartsWith(path, std::string(kOrders) + "/")) return OrderItem(request, path.substr(kOrders.size() + 1));
    if (path == "/form") return Form(request);
    if (path == "/login-redirect") {
        return request.method == "POST" ? LoginRedirect(request) : JsonAnswer(405, {{"error", "use POST"}});
    }
    if (StartsWith(path, "/landing/")) {
        return request.method == "GET" ? Landing(path.substr(std::string_view("/landing/").size()))
                                       : JsonAnswer(405, {{"error", "use GET"}});
    }
    return std::nullopt;
}

Answer CorrelatedFlows::CreateOrder(const Request& request) {
    nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("sku")) {
        ++order_counts_.bad_body;
        return JsonAnswer(400, {{"error", "expected a JSON object with \"sku\""}});
    }
    // The broken variants create nothing: a client that cannot read an id must not leave orders behind.
    if (request.QueryParam("html") == "1") {
        ++order_counts_.created_not_json;
        return {201, "text/html", "<html><body>order received</body></html>\n", {}};
    }
    if (request.QueryParam("omit_id") == "1") {
        ++order_counts_.created_without_id;
        return JsonAnswer(201, {{"sku", body["sku"]}});
    }
    const std::int64_t id = NewId();
    body["id"] = id;
    orders_[id].data = body;
    ++order_counts_.created;
    return JsonAnswer(201, body);
}

Answer CorrelatedFlows::OrderItem(const Request& request, std::string_view id_text) {
    if (id_text.empty()) {
        ++order_counts_.empty_id;
        return JsonAnswer(404, {{"error", "no order id in the path"}});
    }
    std::int64_t id = 0;
    auto it = ParseId(id_text, &id) ? orders_.find(id) : orders_.end();
    if (it == orders_.end() || it->second.deletes > 0) {
        ++order_counts_.wrong_id;
        return JsonAnswer(404, {{"error", "no such order"}});
    }
    Order& order = it->second;
    const std::string& method = request.method;
    if (method == "GET") {
        ++order.gets;
        return JsonAnswer(200, order.data);
    }
    if (method == "DELETE") {
        ++order.deletes;
        return {204, "application/json", "", {}};
    }
    if (method == "PUT" || method == "PATCH") {
        nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
        if (body.is_discarded() || !body.is_object()) {
            ++order_counts_.bad_body;
            return JsonAnswer(400, {{"error", "expected a JSON object"}});
        }
        if (body.contains("id") && !IdMatches(body["id"], id)) {
            ++order_counts_.id_mismatch;
            return JsonAnswer(400, {{"error", "the body's id is not the path's"}});
        }
        if (method == "PUT") {
            order.data = body;  // Replace...
        } else {
            order.data.update(body);  // ...or merge.
        }
        order.data["id"] = id;
        ++order.updates;
        return JsonAnswer(200, order.data);
    }
    return JsonAnswer(405, {{"error", "use GET, PUT, PATCH or DELETE"}});
}

Answer CorrelatedFlows::Form(const Request& request) {
    if (request.method == "GET") {
        const std::string session = NewHex();
        const std::string token = NewHex();
        csrf_by_session_[session] = token;
        ++form_counts_.pages;
        return {200, "text/html",
                "<!doctype html>\n<html><body>\n<form method=\"post\" action=\"/form\">\n"
                "  <input type=\"hidden\" name=\"csrf\" value=\"" + token + "\">\n"
                "  <input type=\"text\" name=\"text\">\n  <button>Send</button>\n</form>\n</body></html>\n",
                "Set-Cookie: session=" + session + "; Path=/; HttpOnly\r\n"};
    }
    if (request.method != "POST") return JsonAnswer(405, {{"error", "use GET or POST"}});
    const std::optional<std::string> session = CookieValue(request.Header("cookie"), "session");
    const auto it = session ? csrf_by_session_.find(*session) : csrf_by_session_.end();
    const char* reason = nullptr;
    if (!session) {
        reason = "no session cookie";
    } else if (it == csrf_by_session_.end()) {
        reason = "unknown session";
    } else if (FormField(request.body, "csrf") != it->second) {
        reason = "wrong csrf token";
    }
    if (reason != nullptr) {
        ++form_counts_.rejected_by_reason[reason];
        return TextAnswer(403, std::string(reason) + "\n");
    }
    ++form_counts_.accepted;
    return TextAnswer(200, "thanks\n");
}

Answer CorrelatedFlows::LoginRedirect(const Request& request) {
    const std::int64_t id = NewId();
    landing_visited_[id] = false;
    ++redirect_counts_.issued;
    std::string location = "/landing/" + std::to_string(id);
    if (request.QueryParam("absolute") == "1") {
        const std::string_view host = request.Header("host");
        if (host.empty()) return JsonAnswer(400, {{"error", "an absolute Location needs a Host header"}});
        location = "http://" + std::string(host) + location;
        ++redirect_counts_.issued_absolute;
    }
    return {303, "text/plain", "see " + location + "\n", "Location: " + location + "\r\n"};
}

Answer CorrelatedFlows::Landing(std::string_view id_text) {
    std::int64_t id = 0;
    auto it = ParseId(id_text, &id) ? landing_visited_.find(id) : landing_visited_.end();
    if (it == landing_visited_.end()) {
        ++redirect_counts_.unknown;
        return TextAnswer(404, "no such landing page\n");
    }
    if (it->second) {
        ++redirect_counts_.repeated;
        return TextAnswer(404, "landing page already visited\n");
    }
    it->second = true;
    ++redirect_counts_.landed;
    return TextAnswer(200, "welcome\n");
}

nlohmann::json CorrelatedFlows::ToJson() const {
    std::map<std::string, std::int64_t> lifecycles;
    for (const auto& [id, order] : orders_) {
        ++lifecycles["get=" + std::to_string(order.gets) + " update=" + std::to_string(order.updates) +
                     " delete=" + std::to_string(order.deletes)];
    }
    const OrderCounts& o = order_counts_;
    const FormCounts& f = form_counts_;
    const RedirectCounts& r = redirect_counts_;
    std::int64_t rejected = 0;
    for (const auto& [reason, n] : f.rejected_by_reason) rejected += n;
    return {
        {"orders",
         {{"created", o.created},
          {"created_without_id", o.created_without_id},
          {"created_not_json", o.created_not_json},
          {"bad_body", o.bad_body},
          {"empty_id", o.empty_id},
          {"wrong_id", o.wrong_id},
          {"id_mismatch", o.id_mismatch},
          {"lifecycles", lifecycles}}},
        {"form",
         {{"pages", f.pages},
          {"accepted", f.accepted},
          {"rejected", rejected},
          {"rejected_by_reason", f.rejected_by_reason}}},
        {"redirect",
         {{"issued", r.issued},
          {"issued_absolute", r.issued_absolute},
          {"landed", r.landed},
          {"unknown", r.unknown},
          {"repeated", r.repeated}}},
    };
}

void CorrelatedFlows::Reset() {
    orders_.clear();
    csrf_by_session_.clear();
    landing_visited_.clear();
    order_counts_ = {};
    form_counts_ = {};
    redirect_counts_ = {};
}

}  // namespace lse::demo
