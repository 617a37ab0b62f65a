// The capture's request table: equal requests share one entry, a difference in any field makes another, and
// indexes stay right while the index grows.

#include "request_table.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

namespace lse::lua::capture {
namespace {

plan::Template Text(const std::string& text) {
    plan::Template t;
    plan::Segment s;
    s.text = text;
    t.segments.push_back(s);
    return t;
}

plan::PlannedRequest Get(const std::string& token) {
    plan::PlannedRequest r;
    r.url = Text("http://127.0.0.1:8080/api/products");
    r.headers.emplace_back("Authorization", Text("Bearer " + token));
    r.name = "GET /api/products";
    return r;
}

TEST(RequestTable, EqualRequestsShareOneEntryAndEveryFieldTellsRequestsApart) {
    std::vector<plan::PlannedRequest> requests;
    RequestTable table(&requests);
    EXPECT_EQ(table.Index(Get("a")), 0u);
    EXPECT_EQ(table.Index(Get("b")), 1u);
    EXPECT_EQ(table.Index(Get("a")), 0u);
    ASSERT_EQ(requests.size(), 2u);

    // One change per field, each a request of its own.
    const std::vector<std::function<void(plan::PlannedRequest&)>> changes = {
        [](auto& r) { r.method = http::Method::kPost; },
        [](auto& r) {
            r.method = http::Method::kOther;
            r.method_token = "PROPFIND";
        },
        [](auto& r) { r.url = Text("http://127.0.0.1:8080/api/products?x"); },
        [](auto& r) { r.headers[0].first = "X-Auth"; },
        [](auto& r) { r.headers.emplace_back("Accept", Text("*/*")); },
        [](auto& r) { r.body = Text("{}"); },
        [](auto& r) { r.name = "products"; },
        [](auto& r) { r.expect = {{200, 200}}; },
        [](auto& r) { r.timeout_ns = 5; },
        [](auto& r) { r.max_redirects = 0; },
        [](auto& r) { r.group = "shop"; },
        [](auto& r) { r.tags = "env=1"; },
        [](auto& r) { r.url.segments[0].kind = plan::Segment::Kind::kSeq; },
        [](auto& r) { r.url.segments[0].a = 1; },
        [](auto& r) { r.url.segments[0].b = 1; },
        [](auto& r) { r.url.segments[0].column = 1; },
        [](auto& r) { r.url.segments[0].draw = 1; },
        // The same bytes split differently between two fields.
        [](auto& r) {
            r.headers[0].first = "AuthorizationB";
            r.headers[0].second = Text("earer a");
        },
    };
    for (std::size_t i = 0; i < changes.size(); ++i) {
        plan::PlannedRequest r = Get("a");
        changes[i](r);
        EXPECT_EQ(table.Index(r), 2 + i) << "change " << i;
        EXPECT_EQ(table.Index(r), 2 + i) << "change " << i << " again";
    }
    EXPECT_EQ(requests.size(), 2 + changes.size());
    EXPECT_EQ(table.Index(Get("b")), 1u);
}

TEST(RequestTable, IndexesStayRightAsTheTableGrows) {
    std::vector<plan::PlannedRequest> requests;
    RequestTable table(&requests);
    constexpr std::uint32_t kDistinct = 50'000;  // the index grows many times past its first 1024 slots
    for (std::uint32_t i = 0; i < kDistinct; ++i) ASSERT_EQ(table.Index(Get(std::to_string(i))), i);
    for (std::uint32_t i = 0; i < kDistinct; i += 7) ASSERT_EQ(table.Index(Get(std::to_string(i))), i);
    EXPECT_EQ(requests.size(), kDistinct);
    for (std::uint32_t i = 0; i < kDistinct; i += 997) EXPECT_EQ(requests[i], Get(std::to_string(i)));
}

}  // namespace
}  // namespace lse::lua::capture
