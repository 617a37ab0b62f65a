#pragma once
/// @file
/// What the demo target has seen, served as JSON on GET /__stats so integration tests can assert
/// what the engine actually sent (counts per route, status, bearer token; recent bodies).

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace lse::demo {

class Stats {
public:
    static constexpr size_t kBodiesPerRoute = 100;

    /// "GET /api/v1/projects/{id}": method, a space, the path without query where every
    /// all-digit segment becomes {id}.
    static std::string RouteKey(std::string_view method, std::string_view path);

    void CountRequest(const std::string& route, std::string_view bearer_token, std::string_view body);
    void CountStatus(int status) { ++by_status_[std::to_string(status)]; }
    void CountLogin(const std::string& user) { ++logins_[user]; }
    void CountConnection() { ++connections_accepted_; }
    void Reset();

    nlohmann::json ToJson() const;

private:
    std::int64_t total_ = 0;
    std::int64_t connections_accepted_ = 0;
    std::map<std::string, std::int64_t> by_route_;
    std::map<std::string, std::int64_t> by_status_;
    std::map<std::string, std::int64_t> by_token_;
    std::map<std::string, std::int64_t> logins_;
    std::map<std::string, std::deque<std::string>> bodies_;
};

}  // namespace lse::demo
