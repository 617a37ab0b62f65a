#pragma once
// Hand-built plans shared by the plan tests.

#include <string>
#include <utility>
#include <vector>

#include "lse/core/clock.hpp"
#include "lse/plan/plan.hpp"

namespace lse::plan::testing_fixtures {

inline Template Lit(std::string text) {
    Template t;
    t.segments.push_back(Segment{Segment::Kind::kLiteral, std::move(text), 0, 0});
    return t;
}

inline Segment Seg(Segment::Kind kind, std::int64_t a = 0, std::int64_t b = 0) { return Segment{kind, "", a, b}; }
inline Segment Text(std::string s) { return Segment{Segment::Kind::kLiteral, std::move(s), 0, 0}; }

// Two virtual users, two tasks, every template kind, pauses, expect ranges and timeouts.
inline Plan SmallPlan() {
    Plan plan;
    plan.version = 1;
    plan.cluster_id = "c1";
    plan.run_id = "r1";
    ScenarioPlan s;
    s.name = "shop";
    s.load.open_model = true;
    s.load.start_rps = 1.5;
    s.load.stages = {{2 * kNsPerSec, 10}, {3 * kNsPerSec, 0.25}};
    s.load.vusers = 2;
    s.load.think_min_ns = -1;  // any int64 survives
    s.load.max_wait_ns = 1500 * kNsPerMs;
    s.tasks = {{"browse", 3}, {"create", 0.5}};
    PlannedRequest a;
    a.url = Lit("http://127.0.0.1:8080/api/products?page=1");
    a.headers = {{"Authorization", Lit("Bearer tok-u1-abc")}};
    a.name = "GET /api/products";
    PlannedRequest b;
    b.method = http::Method::kPost;
    b.url.segments = {Text("http://127.0.0.1:8080/api/v1/projects?r="), Seg(Segment::Kind::kRandom, -5, 1LL << 40)};
    b.headers = {{"Authorization", Lit("Bearer tok-u2-def")},
                 {"X-Trace", Template{{Seg(Segment::Kind::kUuid), Text("/"), Seg(Segment::Kind::kVuser)}}}};
    b.body.segments = {Text("{\"name\":\"p-"), Seg(Segment::Kind::kSeq), Text("\"}")};
    b.name = "POST /api/v1/projects";
    b.expect = {{200, 299}, {404, 404}};
    b.timeout_ns = 1500 * kNsPerMs;
    PlannedRequest c = a;
    c.headers[0].second = Lit("Bearer tok-u2-def");
    s.requests = {a, b, c};
    VuPlan v1;
    v1.id = 1;
    v1.task_steps = {{Step{false, 0, 0, {}}, Step{true, 0, 250 * kNsPerMs, {}}, Step{false, 0, 0, {}}}, {Step{false, 1, 0, {}}}};
    VuPlan v2;
    v2.id = 7;
    v2.task_steps = {{Step{false, 2, 0, {}}}, {Step{true, 0, 0, {}}, Step{false, 1, 0, {}}}};
    s.vusers = {v1, v2};
    plan.scenarios.push_back(std::move(s));
    return plan;
}

inline Segment Value(std::uint32_t slot, ValueEncoding encoding) {
    return Segment{Segment::Kind::kValue, "", slot, static_cast<std::int64_t>(encoding)};
}

inline Step Request(std::uint32_t request, std::vector<Extraction> extract = {}) {
    Step st;
    st.request = request;
    st.extract = std::move(extract);
    return st;
}

// A correlated flow (issue 14): create an order, then get and update it by the id its response
// returned; a form posted with the CSRF token its page carried, a header value and the page's status.
// Every extraction source and value encoding, both on_extract_error choices; two virtual users.
inline Plan CorrelatedPlan() {
    Plan plan;
    plan.cluster_id = "c1";
    plan.run_id = "r1";
    ScenarioPlan s;
    s.name = "orders";
    s.load.vusers = 2;
    s.load.duration_ns = 10 * kNsPerSec;
    s.tasks = {{"order lifecycle", 1, OnExtractError::kSkip}, {"form", 2, OnExtractError::kEmpty}};
    const std::string host = "http://127.0.0.1:8080";
    PlannedRequest create;
    create.method = http::Method::kPost;
    create.url = Lit(host + "/api/v1/orders");
    create.body.segments = {Text("{\"sku\":\"A-"), Seg(Segment::Kind::kSeq), Text("\"}")};
    create.name = "POST /api/v1/orders";
    create.expect = {{201, 201}};
    PlannedRequest get;
    get.url.segments = {Text(host + "/api/v1/orders/"), Value(0, ValueEncoding::kRaw)};
    get.name = "GET /api/v1/orders/{id}";
    PlannedRequest put;
    put.method = http::Method::kPut;
    put.url = get.url;
    put.body.segments = {Text("{\"id\":"), Value(0, ValueEncoding::kJsonValue), Text(",\"note\":\"o-"),
                         Value(0, ValueEncoding::kJsonString), Text("\",\"qty\":2}")};
    put.name = "PUT /api/v1/orders/{id}";
    PlannedRequest page;
    page.url = Lit(host + "/form");
    page.name = "GET /form";
    PlannedRequest post;
    post.method = http::Method::kPost;
    post.url.segments = {Text(host + "/form?s="), Value(3, ValueEncoding::kPercent)};
    post.headers = {{"X-Token", Template{{Value(2, ValueEncoding::kRaw)}}}};
    post.body.segments = {Text("csrf="), Value(1, ValueEncoding::kPercent), Text("&text=hi")};
    post.name = "POST /form";
    s.requests = {create, get, put, page, post};
    const Extraction id{Extraction::Source::kJson, "$.id", "", false, 0};
    const Extraction csrf{Extraction::Source::kBody, "", "name=\"csrf\" value=\"([%w%-]+)\"", false, 1};
    const Extraction token{Extraction::Source::kHeader, "x-token", "", false, 2};
    const Extraction status{Extraction::Source::kStatus, "", "", true, 3};
    for (int id_number : {1, 2}) {
        VuPlan vu;
        vu.id = id_number;
        Step pause;
        pause.pause = true;
        pause.pause_ns = 100 * kNsPerMs;
        vu.task_steps = {{Request(0, {id}), Request(1), pause, Request(2)},
                         {Request(3, {csrf, token, status}), Request(4)}};
        s.vusers.push_back(std::move(vu));
    }
    plan.scenarios.push_back(std::move(s));
    return plan;
}

}  // namespace lse::plan::testing_fixtures
