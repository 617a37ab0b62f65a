#include "redirect_routes.hpp"

#include <charconv>

namespace lse::demo {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

Answer Redirect(int status, std::string_view location) {
    Answer a;
    a.status = status;
    a.content_type = "text/plain";
    a.body = "redirecting\n";
    a.headers = "Location: " + std::string(location) + "\r\n";
    return a;
}

}  // namespace

std::optional<Answer> RedirectRoutes::Handle(const Request& request) {
    const std::string_view path = request.Path();
    if (!StartsWith(path, "/redirect/")) return std::nullopt;
    const std::string_view cookie = request.Header("cookie");
    const std::string_view authorization = request.Header("authorization");
    ++hops_[request.method + " " + std::string(path) + " auth=" + (authorization.empty() ? "no" : "yes") +
            " cookie=" + std::string(cookie) + " body=" + request.body];

    const std::string_view rest = path.substr(std::string_view("/redirect/").size());
    if (rest == "to") {
        int status = 302;
        const std::string status_text = request.QueryParam("status");
        if (!status_text.empty()) std::from_chars(status_text.data(), status_text.data() + status_text.size(), status);
        // port=P: an absolute Location on another origin (127.0.0.1:P), which a path cannot name in a query
        // without percent-encoding (the demo never decodes).
        const std::string port = request.QueryParam("port");
        const std::string url = request.QueryParam("url");
        Answer a = Redirect(status, port.empty() ? url : "http://127.0.0.1:" + port + url);
        const std::string set = request.QueryParam("cookie");
        if (!set.empty()) a.headers += "Set-Cookie: hop=" + set + "; Path=/\r\n";
        return a;
    }
    if (StartsWith(rest, "chain/")) {
        const std::string_view n_text = rest.substr(6);
        int n = 0;
        const auto [ptr, ec] = std::from_chars(n_text.data(), n_text.data() + n_text.size(), n);
        if (ec != std::errc() || ptr != n_text.data() + n_text.size() || n < 0) {
            return Answer{400, "application/json", "{\"error\":\"chain/N: N >= 0\"}", ""};
        }
        if (n > 0) return Redirect(302, std::to_string(n - 1));  // relative to /redirect/chain/
    } else if (rest == "loop") {
        return Redirect(302, "/redirect/loop");
    } else if (rest != "echo") {
        return Answer{404, "application/json", "{\"error\":\"unknown redirect route\"}", ""};
    }
    nlohmann::json echo = {{"method", request.method},
                           {"body", request.body},
                           {"cookie", std::string(cookie)},
                           {"authorization", std::string(authorization)}};
    return Answer{200, "application/json", echo.dump(), ""};
}

nlohmann::json RedirectRoutes::ToJson() const { return {{"redirect_hops", hops_}}; }

}  // namespace lse::demo
