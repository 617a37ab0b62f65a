#include "request.hpp"

namespace lse::demo {

std::string_view Request::Path() const {
    std::string_view t = target;
    size_t q = t.find('?');
    return q == std::string_view::npos ? t : t.substr(0, q);
}

std::string_view Request::Query() const {
    std::string_view t = target;
    size_t q = t.find('?');
    return q == std::string_view::npos ? std::string_view() : t.substr(q + 1);
}

std::string_view Request::Header(std::string_view lower_name) const {
    for (const auto& [name, value] : headers) {
        if (name == lower_name) return value;
    }
    return {};
}

std::string Request::QueryParam(std::string_view name) const {
    std::string_view query = Query();
    while (!query.empty()) {
        size_t amp = query.find('&');
        std::string_view pair = query.substr(0, amp);
        size_t eq = pair.find('=');
        if (pair.substr(0, eq) == name) {
            return eq == std::string_view::npos ? std::string() : std::string(pair.substr(eq + 1));
        }
        if (amp == std::string_view::npos) break;
        query.remove_prefix(amp + 1);
    }
    return {};
}

std::string_view Request::BearerToken() const {
    std::string_view auth = Header("authorization");
    constexpr std::string_view kBearer = "Bearer ";
    if (auth.size() <= kBearer.size() || auth.substr(0, kBearer.size()) != kBearer) return {};
    return auth.substr(kBearer.size());
}

}  // namespace lse::demo
