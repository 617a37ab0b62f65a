#include "demo_app.hpp"

#include <charconv>
#include <cstdio>

#include "response_builder.hpp"

namespace lse::demo {
namespace {

constexpr std::int64_t kMaxSlowMs = 60'000;
constexpr int kMaxChunks = 10'000;
constexpr std::string_view kPassword = "secret";

bool ParseInt(std::string_view text, std::int64_t* out) {
    if (text.empty()) return false;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
    return ec == std::errc() && ptr == text.data() + text.size();
}

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

const nlohmann::json& ProductList() {
    static const nlohmann::json kProducts = nlohmann::json::array({
        {{"id", 1}, {"name", "Widget"}, {"price", 9.99}},
        {{"id", 2}, {"name", "Gadget"}, {"price", 24.5}},
        {{"id", 3}, {"name", "Doohickey"}, {"price", 3.25}},
    });
    return kProducts;
}

}  // namespace

DemoApp::DemoApp() : rng_(std::random_device{}()) {}

Reply DemoApp::Json(int status, const nlohmann::json& body, const Request& request) {
    stats_.CountStatus(status);
    Reply reply;
    reply.close_after = !request.keep_alive;
    reply.bytes = BuildResponse(status, "application/json", body.dump(), reply.close_after, request.method == "HEAD");
    return reply;
}

Reply DemoApp::Text(int status, std::string_view body, const Request& request) {
    stats_.CountStatus(status);
    Reply reply;
    reply.close_after = !request.keep_alive;
    reply.bytes = BuildResponse(status, "text/plain", body, reply.close_after, request.method == "HEAD");
    return reply;
}

Reply DemoApp::Respond(const Answer& answer, const Request& request) {
    stats_.CountStatus(answer.status);
    Reply reply;
    reply.close_after = !request.keep_alive;
    reply.bytes = BuildResponse(answer.status, answer.content_type, answer.body, reply.close_after,
                                request.method == "HEAD", answer.headers);
    return reply;
}

std::string DemoApp::NewToken(const std::string& user) {
    char hex[17];
    std::snprintf(hex, sizeof(hex), "%016llx", static_cast<unsigned long long>(rng_()));
    return "tok-" + user + "-" + hex;
}

Reply DemoApp::Handle(const Request& request) {
    if (request.malformed) {
        stats_.CountStatus(400);
        Reply reply;
        reply.bytes = BuildResponse(400, "text/plain", "bad request\n", true);
        reply.close_after = true;
        return reply;
    }
    const std::string_view path = request.Path();
    const std::string& method = request.method;

    // Introspection endpoints are not counted, so tests can poll them freely.
    if (path == "/__stats") {
        Reply reply;
        reply.close_after = !request.keep_alive;
        nlohmann::json stats = stats_.ToJson();
        stats.update(flows_.ToJson());
        stats.update(redirects_.ToJson());
        stats.update(uploads_.ToJson());
        // Recent bodies may be binary (multipart uploads): invalid UTF-8 is replaced rather than thrown on.
        reply.bytes = BuildResponse(200, "application/json",
                                    stats.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                                    reply.close_after);
        return reply;
    }
    if (path == "/__reset" && method == "POST") {
        stats_.Reset();
        flows_.Reset();
        redirects_.Reset();
        uploads_.Reset();
        Reply reply;
        reply.close_after = !request.keep_alive;
        reply.bytes = BuildResponse(200, "application/json", "{\"reset\":true}", reply.close_after);
        return reply;
    }

    stats_.CountRequest(Stats::RouteKey(method, path), request.BearerToken(), request.body);

    if (path == "/") return Text(200, "ok\n", request);
    if (path == "/auth/login") {
        return method == "POST" ? Login(request) : Json(405, {{"error", "use POST"}}, request);
    }
    if (path == "/api/products") {
        return method == "GET" ? Products(request) : Json(405, {{"error", "use GET"}}, request);
    }
    if (path == "/api/v1/projects" || StartsWith(path, "/api/v1/projects/")) {
        return Projects(request, path.substr(std::string_view("/api/v1/projects").size()));
    }
    if (std::optional<Answer> answer = flows_.Handle(request)) return Respond(*answer, request);
    if (std::optional<Answer> answer = redirects_.Handle(request)) return Respond(*answer, request);
    if (std::optional<Answer> answer = uploads_.Handle(request)) return Respond(*answer, request);
    if (path == "/slow") return Slow(request);
    if (StartsWith(path, "/status/")) return Status(request, path.substr(std::string_view("/status/").size()));
    if (path == "/chunked") return Chunked(request);
    if (path == "/close") {
        Request closing = request;
        closing.keep_alive = false;
        return Text(200, "closing\n", closing);
    }
    if (StartsWith(path, "/fault/")) return Fault(request, path.substr(std::string_view("/fault/").size()));
    return Json(404, {{"error", "not found"}}, request);
}

Reply DemoApp::Login(const Request& request) {
    nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
    if (body.is_discarded() || !body.is_object() || !body.contains("user") || !body["user"].is_string() ||
        !body.contains("pass") || !body["pass"].is_string()) {
        return Json(400, {{"error", "expected JSON {\"user\": string, \"pass\": string}"}}, request);
    }
    const std::string user = body["user"].get<std::string>();
    if (body["pass"].get<std::string>() != kPassword) return Json(401, {{"error", "bad credentials"}}, request);
    std::string token = NewToken(user);
    tokens_.insert(token);
    stats_.CountLogin(user);
    return Json(200, {{"access_token", token}, {"user", user}}, request);
}

Reply DemoApp::Products(const Request& request) {
    std::string token(request.BearerToken());
    if (token.empty() || tokens_.count(token) == 0) return Json(401, {{"error", "missing or unknown token"}}, request);
    return Json(200, ProductList(), request);
}

Reply DemoApp::Projects(const Request& request, std::string_view rest) {
    const std::string& method = request.method;
    if (rest.empty() || rest == "/") {
        if (method == "GET") {
            nlohmann::json list = nlohmann::json::array();
            for (const auto& [id, project] : projects_) list.push_back(project);
            return Json(200, list, request);
        }
        if (method == "POST") {
            nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
            if (body.is_discarded() || !body.is_object() || !body.contains("name") || !body["name"].is_string()) {
                return Json(400, {{"error", "expected JSON object with string \"name\""}}, request);
            }
            const std::int64_t id = next_project_id_++;
            body["id"] = id;
            projects_[id] = body;
            return Json(201, body, request);
        }
        return Json(405, {{"error", "use GET or POST"}}, request);
    }

    std::int64_t id = 0;
    if (!ParseInt(rest.substr(1), &id)) return Json(404, {{"error", "bad project id"}}, request);
    auto it = projects_.find(id);
    if (it == projects_.end()) return Json(404, {{"error", "no such project"}}, request);
    if (method == "GET") return Json(200, it->second, request);
    if (method == "DELETE") {
        projects_.erase(it);
        return Text(204, "", request);
    }
    if (method == "PUT" || method == "PATCH") {
        nlohmann::json body = nlohmann::json::parse(request.body, nullptr, false);
        if (body.is_discarded() || !body.is_object()) return Json(400, {{"error", "expected JSON object"}}, request);
        if (method == "PUT") {
            it->second = body;  // Replace...
        } else {
            it->second.update(body);  // ...or merge.
        }
        it->second["id"] = id;
        return Json(200, it->second, request);
    }
    return Json(405, {{"error", "use GET, PUT, PATCH or DELETE"}}, request);
}

Reply DemoApp::Slow(const Request& request) {
    std::int64_t ms = 0;
    std::string text = request.QueryParam("ms");
    if (!text.empty() && (!ParseInt(text, &ms) || ms < 0 || ms > kMaxSlowMs)) {
        return Json(400, {{"error", "ms must be 0..60000"}}, request);
    }
    Reply reply = Text(200, "slept " + std::to_string(ms) + " ms\n", request);
    reply.delay_ms = ms;
    return reply;
}

Reply DemoApp::Status(const Request& request, std::string_view code) {
    std::int64_t status = 0;
    // 1xx are informational, never final: answering one alone would leave the client waiting.
    if (!ParseInt(code, &status) || status < 200 || status > 599) {
        return Json(400, {{"error", "status must be 200..599"}}, request);
    }
    return Text(static_cast<int>(status), "status " + std::string(code) + "\n", request);
}

Reply DemoApp::Chunked(const Request& request) {
    std::int64_t n = 3;
    std::string text = request.QueryParam("n");
    if (!text.empty() && (!ParseInt(text, &n) || n < 0 || n > kMaxChunks)) {
        return Json(400, {{"error", "n must be 0..10000"}}, request);
    }
    stats_.CountStatus(200);
    Reply reply;
    reply.close_after = !request.keep_alive;
    reply.bytes = BuildChunkedResponse(static_cast<int>(n), reply.close_after);
    return reply;
}

Reply DemoApp::Fault(const Request& request, std::string_view kind) {
    Reply reply;
    if (kind == "reset") {
        // Headers promise a body that never comes, then RST: the client sees a reset mid-response.
        reply.bytes = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n";
        reply.finish = Finish::kReset;
    } else if (kind == "garbage") {
        reply.bytes = "NOT HTTP\r\n\r\n";
        reply.close_after = true;
    } else if (kind == "close-delimited") {
        // Legal HTTP/1.1: no length and no chunking means the body ends at EOF.
        stats_.CountStatus(200);
        reply.bytes = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nclose-delimited body\n";
        reply.close_after = true;
    } else if (kind == "hang") {
        reply.finish = Finish::kHang;
    } else if (kind == "close-before-response") {
        reply.finish = Finish::kCloseNow;
    } else if (kind == "close-reused") {
        // A server whose keep-alive timeout fires just as the next request arrives: the first request on a
        // connection gets a keep-alive 200, any later one on the same connection sees the socket closed unanswered.
        // Only answered requests count a status, so by_status["200"] is what a client could have received.
        if (request.index_on_connection > 0) {
            reply.finish = Finish::kCloseNow;
        } else {
            return Text(200, "ok\n", request);
        }
    } else {
        return Json(404, {{"error", "unknown fault"}}, request);
    }
    return reply;
}

}  // namespace lse::demo
