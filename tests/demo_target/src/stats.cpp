#include "stats.hpp"

#include <cctype>

namespace lse::demo {

std::string Stats::RouteKey(std::string_view method, std::string_view path) {
    std::string key(method);
    key += ' ';
    size_t pos = 0;
    while (pos < path.size()) {
        size_t slash = path.find('/', pos + 1);
        if (slash == std::string_view::npos) slash = path.size();
        std::string_view segment = path.substr(pos, slash - pos);  // Includes the leading '/'.
        bool numeric = segment.size() > 1;
        for (size_t i = 1; i < segment.size() && numeric; ++i) {
            numeric = std::isdigit(static_cast<unsigned char>(segment[i])) != 0;
        }
        key += numeric ? std::string_view("/{id}") : segment;
        pos = slash;
    }
    return key;
}

void Stats::CountRequest(const std::string& route, std::string_view bearer_token, std::string_view body) {
    ++total_;
    ++by_route_[route];
    if (!bearer_token.empty()) ++by_token_[std::string(bearer_token)];
    if (!body.empty()) {
        auto& bodies = bodies_[route];
        bodies.emplace_back(body);
        if (bodies.size() > kBodiesPerRoute) bodies.pop_front();
    }
}

void Stats::Reset() { *this = Stats(); }

nlohmann::json Stats::ToJson() const {
    nlohmann::json bodies = nlohmann::json::object();
    for (const auto& [route, list] : bodies_) {
        bodies[route] = nlohmann::json(std::vector<std::string>(list.begin(), list.end()));
    }
    return {
        {"total", total_},
        {"connections_accepted", connections_accepted_},
        {"by_route", by_route_},
        {"by_status", by_status_},
        {"by_token", by_token_},
        {"logins", logins_},
        {"bodies", bodies},
    };
}

}  // namespace lse::demo
