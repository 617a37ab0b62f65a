#pragma once
// Hand-built plans shared by the plan tests.

#include <string>

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
    v1.task_steps = {{Step{false, 0, 0}, Step{true, 0, 250 * kNsPerMs}, Step{false, 0, 0}}, {Step{false, 1, 0}}};
    VuPlan v2;
    v2.id = 7;
    v2.task_steps = {{Step{false, 2, 0}}, {Step{true, 0, 0}, Step{false, 1, 0}}};
    s.vusers = {v1, v2};
    plan.scenarios.push_back(std::move(s));
    return plan;
}

}  // namespace lse::plan::testing_fixtures
