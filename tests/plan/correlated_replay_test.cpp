// Native replay of correlated flows against real servers: response values extracted per iteration and used by
// later requests (the demo target refuses a wrong id), extraction failures as ErrorKind::kExtract under each
// on_extract_error policy, and the per-VU cookie jar merged into captured Cookie headers.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "flow_server.hpp"
#include "lse/core/clock.hpp"
#include "lse/metrics/error_groups.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/plan/plan_runner.hpp"
#include "lse/runtime/load_run.hpp"
#include "lse/testing/demo_target_process.hpp"
#include "lse/testing/http_get.hpp"
#include "plan_fixtures.hpp"

namespace lse::plan {
namespace {

using testing_fixtures::Lit;
using testing_fixtures::Seg;
using testing_fixtures::Text;

constexpr char kScenario[] = "flows";

std::string RKey(const std::string& task, const std::string& name) {
    return metrics::MakeStatKey(metrics::StatKind::kRequest, kScenario, task, name);
}
std::string TKey(const std::string& task) { return metrics::MakeStatKey(metrics::StatKind::kTask, kScenario, task); }

Segment Value(std::uint32_t slot, ValueEncoding encoding) {
    return Segment{Segment::Kind::kValue, "", slot, static_cast<std::int64_t>(encoding)};
}

Extraction Json(std::string path, std::uint32_t slot) {
    Extraction e;
    e.source = Extraction::Source::kJson;
    e.key = std::move(path);
    e.slot = slot;
    return e;
}

Step Send(std::uint32_t request, std::vector<Extraction> extract = {}) {
    Step s;
    s.request = request;
    s.extract = std::move(extract);
    return s;
}

// `iterations` arrivals over one second (open model), on `vusers` virtual users that all take `steps`.
ScenarioPlan FlowPlan(std::vector<PlannedRequest> requests, std::vector<Step> steps, int vusers, double iterations,
                      OnExtractError policy = OnExtractError::kSkip) {
    ScenarioPlan plan;
    plan.name = kScenario;
    plan.tasks = {PlannedTask{"flow", 1, policy}};
    plan.requests = std::move(requests);
    for (int u = 1; u <= vusers; ++u) plan.vusers.push_back(VuPlan{u, {steps}});
    plan.load.open_model = true;
    plan.load.start_rps = iterations;
    plan.load.stages = {{1 * kNsPerSec, iterations}};
    plan.load.vusers = vusers;
    return plan;
}

runtime::RunResult Replay(ScenarioPlan plan, int threads) {
    auto config = std::make_shared<PlanRunConfig>();
    const int hosted = static_cast<int>(plan.vusers.size());
    config->scenario = std::make_shared<const ScenarioPlan>(std::move(plan));
    runtime::Workload w;
    w.spec = MakePlanLoadSpec(config->scenario->load, hosted, threads, 7);
    w.spec.grace_ns = 3 * kNsPerSec;
    w.factory = MakePlanRunnerFactory(config);
    w.dropped_key = metrics::MakeStatKey(metrics::StatKind::kScenario, kScenario);
    std::vector<runtime::Workload> workloads;
    workloads.push_back(std::move(w));
    runtime::LoadRun run(std::move(workloads), http::ClientOptions{});
    runtime::RunOptions options;
    options.handle_signals = false;
    return run.Run(nullptr, options);
}

const metrics::RequestStats& Row(const runtime::RunResult& r, const std::string& key) {
    static const metrics::RequestStats kNone;
    auto it = r.total.by_name.find(key);
    return it == r.total.by_name.end() ? kNone : it->second;
}

// The error groups of a row and kind whose message starts with `prefix`: their total count.
std::uint64_t ErrorsWithMessage(const runtime::RunResult& r, const std::string& row, ErrorKind kind,
                                const std::string& prefix) {
    const std::string key = metrics::MakeErrorKey(row, kind, prefix);
    std::uint64_t n = 0;
    for (const auto& [k, sample] : r.total.errors) {
        if (k.rfind(key, 0) == 0) n += sample.count;
    }
    return n;
}

std::string Dump(const runtime::RunResult& r) {
    std::string out;
    for (const auto& [k, sample] : r.total.errors) out += k + " x" + std::to_string(sample.count) + "\n";
    return out;
}

class CorrelatedReplayTest : public ::testing::Test {
protected:
    void SetUp() override { target_.Start(); }

    std::string Base() const { return "http://127.0.0.1:" + std::to_string(target_.Port()); }

    std::uint64_t Routed(const nlohmann::json& stats, const std::string& route) {
        return stats["by_route"].contains(route) ? stats["by_route"][route].get<std::uint64_t>() : 0;
    }

    PlannedRequest Create(int expect = 201) const {
        PlannedRequest r;
        r.method = http::Method::kPost;
        r.url = Lit(Base() + "/api/v1/projects");
        r.headers = {{"Content-Type", Lit("application/json")}};
        r.body.segments = {Text("{\"name\":\"p-"), Seg(Segment::Kind::kSeq), Text("\"}")};
        r.name = "POST /api/v1/projects";
        r.expect = {{expect, expect}};
        return r;
    }

    // A request on the project whose id is in slot 0 ("/api/v1/projects/" .. id).
    PlannedRequest OnProject(http::Method method, const std::string& name, int expect) const {
        PlannedRequest r;
        r.method = method;
        r.url.segments = {Text(Base() + "/api/v1/projects/"), Value(0, ValueEncoding::kRaw)};
        r.name = name;
        r.expect = {{expect, expect}};
        return r;
    }

    lse::testing::DemoTargetProcess target_;
};

// create -> get by the returned id -> update -> delete: the target answers 404 for any id it did not hand out (or
// already deleted), so every follow-up being accepted means each used its own create's id.
TEST_F(CorrelatedReplayTest, CrudFlowFollowsEachCreatesOwnId) {
    PlannedRequest patch = OnProject(http::Method::kPatch, "PATCH /api/v1/projects/{id}", 200);
    patch.headers = {{"Content-Type", Lit("application/json")}};
    // {"id": id, "name": name .. "-renamed", "was": name}: a JSON value bare, inside a string, and as a string.
    patch.body.segments = {Text("{\"id\":"), Value(0, ValueEncoding::kJsonValue), Text(",\"name\":\""),
                           Value(1, ValueEncoding::kJsonString), Text("-renamed\",\"was\":"),
                           Value(1, ValueEncoding::kJsonValue), Text("}")};
    PlannedRequest del = OnProject(http::Method::kDelete, "DELETE /api/v1/projects/{id}", 204);
    del.url.segments.push_back(Text("?name="));  // the renamed name, from the PATCH response, as a query value
    del.url.segments.push_back(Value(2, ValueEncoding::kPercent));
    const std::vector<Step> steps = {Send(0, {Json("$.id", 0), Json("$.name", 1)}), Send(1),
                                     Send(2, {Json("$.name", 2)}), Send(3)};
    const runtime::RunResult r =
        Replay(FlowPlan({Create(), OnProject(http::Method::kGet, "GET /api/v1/projects/{id}", 200), patch, del}, steps,
                     3, 20),
            2);

    const auto& task = Row(r, TKey("flow"));
    EXPECT_EQ(task.requests, 20u);
    EXPECT_EQ(task.ok, 20u) << Dump(r);
    EXPECT_EQ(r.total.total.requests, 80u);
    EXPECT_EQ(r.total.total.ok, 80u) << Dump(r);
    for (const char* name : {"POST /api/v1/projects", "GET /api/v1/projects/{id}", "PATCH /api/v1/projects/{id}",
                             "DELETE /api/v1/projects/{id}"}) {
        EXPECT_EQ(Row(r, RKey("flow", name)).ok, 20u) << name;
    }

    const auto stats = target_.Stats();
    EXPECT_EQ(Routed(stats, "GET /api/v1/projects/{id}"), 20u);
    EXPECT_EQ(Routed(stats, "DELETE /api/v1/projects/{id}"), 20u);
    EXPECT_FALSE(stats["by_status"].contains("404")) << stats.dump();
    // Every project was deleted by its own iteration.
    const auto list = lse::testing::HttpRequestSync(target_.Port(), "GET", "/api/v1/projects", "", {});
    EXPECT_EQ(nlohmann::json::parse(list.body), nlohmann::json::array()) << list.body;
    // Each update carried its own create's id and name, as JSON of the right types.
    std::set<std::int64_t> ids;
    for (const auto& body : stats["bodies"]["PATCH /api/v1/projects/{id}"]) {
        const auto doc = nlohmann::json::parse(body.get<std::string>());
        ASSERT_TRUE(doc.at("id").is_number_integer()) << doc.dump();
        ids.insert(doc.at("id").get<std::int64_t>());
        const std::string was = doc.at("was").get<std::string>();
        EXPECT_EQ(was.rfind("p-", 0), 0u) << was;
        EXPECT_EQ(doc.at("name").get<std::string>(), was + "-renamed");
    }
    EXPECT_EQ(ids.size(), 20u);
}

TEST_F(CorrelatedReplayTest, AMissingFieldIsAnExtractErrorAndSkipsTheRestOfTheIteration) {
    const std::vector<Step> steps = {Send(0, {Json("$.missing", 0)}), Send(1)};
    const runtime::RunResult r =
        Replay(FlowPlan({Create(), OnProject(http::Method::kGet, "GET /api/v1/projects/{id}", 200)}, steps, 2, 5), 1);

    const auto& create = Row(r, RKey("flow", "POST /api/v1/projects"));
    EXPECT_EQ(create.requests, 5u);
    EXPECT_EQ(create.ok, 0u);
    EXPECT_EQ(create.ErrorsOf(ErrorKind::kExtract), 5u);
    EXPECT_EQ(create.statuses.Count(201), 5u);       // a response came: its status counts...
    EXPECT_EQ(create.service_time_us.Count(), 5u);  // ...and so does its time
    EXPECT_EQ(ErrorsWithMessage(r, RKey("flow", "POST /api/v1/projects"), ErrorKind::kExtract,
                                "step 1 (POST /api/v1/projects): json $.missing: "),
              5u)
        << Dump(r);
    EXPECT_EQ(Row(r, RKey("flow", "GET /api/v1/projects/{id}")).requests, 0u);
    const auto& task = Row(r, TKey("flow"));
    EXPECT_EQ(task.requests, 5u);
    EXPECT_EQ(task.ErrorsOf(ErrorKind::kExtract), 5u);
    const auto stats = target_.Stats();
    EXPECT_EQ(Routed(stats, "POST /api/v1/projects"), 5u);
    EXPECT_EQ(Routed(stats, "GET /api/v1/projects/"), 0u);  // never sent
}

TEST_F(CorrelatedReplayTest, TheEmptyPolicySendsTheRestWithAnEmptyValue) {
    const std::vector<Step> steps = {Send(0, {Json("$.missing", 0)}), Send(1)};
    // "/api/v1/projects/" .. "" is the list, which the target answers 200: the send is observable.
    const runtime::RunResult r = Replay(FlowPlan({Create(), OnProject(http::Method::kGet, "GET /api/v1/projects/{id}", 200)},
                                              steps, 2, 5, OnExtractError::kEmpty),
                                     1);
    EXPECT_EQ(Row(r, RKey("flow", "POST /api/v1/projects")).ErrorsOf(ErrorKind::kExtract), 5u);
    EXPECT_EQ(Row(r, RKey("flow", "GET /api/v1/projects/{id}")).ok, 5u);
    EXPECT_EQ(Row(r, TKey("flow")).ErrorsOf(ErrorKind::kExtract), 5u);  // the iteration still failed
    EXPECT_EQ(Routed(target_.Stats(), "GET /api/v1/projects/"), 5u);
}

TEST_F(CorrelatedReplayTest, ABodyThatIsNotJsonIsAnExtractError) {
    PlannedRequest root;
    root.url = Lit(Base() + "/");  // "ok\n", text/plain
    root.name = "GET /";
    const std::vector<Step> steps = {Send(0, {Json("$.id", 0)}), Send(1)};
    const runtime::RunResult r =
        Replay(FlowPlan({root, OnProject(http::Method::kGet, "GET /api/v1/projects/{id}", 200)}, steps, 1, 3), 1);
    EXPECT_EQ(Row(r, RKey("flow", "GET /")).ErrorsOf(ErrorKind::kExtract), 3u);
    EXPECT_EQ(ErrorsWithMessage(r, RKey("flow", "GET /"), ErrorKind::kExtract, "step 1 (GET /): json $.id: "), 3u)
        << Dump(r);
    EXPECT_EQ(Row(r, RKey("flow", "GET /api/v1/projects/{id}")).requests, 0u);
}

TEST_F(CorrelatedReplayTest, AResponseNotAcceptedKeepsItsStatusErrorAndHasNoValues) {
    const std::vector<Step> steps = {Send(0, {Json("$.id", 0)}), Send(1)};
    const runtime::RunResult r = Replay(
        FlowPlan({Create(/*expect=*/200), OnProject(http::Method::kGet, "GET /api/v1/projects/{id}", 200)}, steps, 1, 3),
        1);
    const auto& create = Row(r, RKey("flow", "POST /api/v1/projects"));
    EXPECT_EQ(create.ErrorsOf(ErrorKind::kStatus), 3u);  // 201 was not expected
    EXPECT_EQ(create.ErrorsOf(ErrorKind::kExtract), 0u);
    EXPECT_EQ(Row(r, RKey("flow", "GET /api/v1/projects/{id}")).requests, 0u);  // skipped: no value
    EXPECT_EQ(Row(r, TKey("flow")).ErrorsOf(ErrorKind::kStatus), 3u);
}

Extraction Header(std::string name, std::uint32_t slot) {
    Extraction e;
    e.source = Extraction::Source::kHeader;
    e.key = std::move(name);
    e.slot = slot;
    return e;
}

// http:get(r.headers["location"]) after a 303: the value is the whole path; an absolute URL of the same origin is
// cut to its path, a relative one used as it is. The server accepts each landing id once, only if it issued it.
TEST(CorrelatedReplayRedirects, ALocationIsFollowedByHand) {
    test_servers::FlowServer server;
    const std::string base = "http://127.0.0.1:" + std::to_string(server.Port());
    PlannedRequest go_abs;
    go_abs.url = Lit(base + "/go?to=abs");
    go_abs.name = "go abs";
    go_abs.max_redirects = 0;  // followed by hand (the script's redirects = 0)
    PlannedRequest go_rel = go_abs;
    go_rel.url = Lit(base + "/go?to=rel");
    go_rel.name = "go rel";
    PlannedRequest land;
    land.url.segments = {Text(base), Value(0, ValueEncoding::kRaw)};
    land.name = "GET /landing/{id}";
    land.expect = {{200, 200}};
    PlannedRequest land_rel = land;
    land_rel.url.segments = {Text(base), Value(1, ValueEncoding::kRaw)};
    const runtime::RunResult r = Replay(
        FlowPlan({go_abs, land, go_rel, land_rel},
                 {Send(0, {Header("location", 0)}), Send(1), Send(2, {Header("location", 1)}), Send(3)}, 2, 4),
        1);
    server.Stop();
    EXPECT_EQ(r.total.total.requests, 16u);
    EXPECT_EQ(r.total.total.ok, 16u) << Dump(r);
    int landed = 0;
    for (const auto& seen : server.Requests()) {
        if (seen.line.rfind("GET /landing/", 0) == 0) ++landed;
    }
    EXPECT_EQ(landed, 8);
}

// Native redirects (format 5's max_redirects, default 10): the agent follows the 303 itself, a hop of its own under
// the step's name (the 303 and the 200 each counted), and the server sees each landing id visited once. Extraction
// applies to the final response: its status is the landing's. With the limit at 1, the same chain still lands; a
// second request whose limit is 0 stops at the 303 (the server issues an id nobody visits).
TEST(CorrelatedReplayRedirects, TheAgentFollowsTheHopsItself) {
    test_servers::FlowServer server;
    const std::string base = "http://127.0.0.1:" + std::to_string(server.Port());
    PlannedRequest go;
    go.url = Lit(base + "/go?to=rel");
    go.name = "go";
    go.max_redirects = 1;
    PlannedRequest stay = go;
    stay.url = Lit(base + "/go?to=abs");
    stay.name = "stay";
    stay.max_redirects = 0;
    PlannedRequest echo;
    echo.url.segments = {Text(base + "/text?status="), Value(0, ValueEncoding::kRaw)};
    echo.name = "status of the final response";
    Extraction status;
    status.source = Extraction::Source::kStatus;
    status.slot = 0;
    const runtime::RunResult r =
        Replay(FlowPlan({go, stay, echo}, {Send(0, {status}), Send(1), Send(2)}, 2, 5), 1);
    server.Stop();
    const std::string go_row = metrics::MakeStatKey(metrics::StatKind::kRequest, kScenario, "flow", "go");
    EXPECT_EQ(Row(r, go_row).requests, 10u) << Dump(r);
    EXPECT_EQ(Row(r, go_row).ok, 10u) << Dump(r);
    EXPECT_EQ(Row(r, metrics::MakeStatKey(metrics::StatKind::kRequest, kScenario, "flow", "stay")).requests, 5u);
    int landed = 0;
    int statuses_200 = 0;
    for (const auto& seen : server.Requests()) {
        if (seen.line.rfind("GET /landing/", 0) == 0) ++landed;
        if (seen.line.rfind("GET /text?status=200 ", 0) == 0) ++statuses_200;
    }
    EXPECT_EQ(landed, 5) << "each go's landing once, none of the stays'";
    EXPECT_EQ(statuses_200, 5) << "the value came from the final response";
    EXPECT_EQ(r.total.total.requests, 20u);
    EXPECT_EQ(r.total.total.ok, 20u) << Dump(r);
}

// A Location on another origin cannot be followed by an agent (it sends only to its plan's origins): the response
// that gave it fails as kExtract, and nothing is sent to the other origin. A value with a line break cannot go into
// a header: the same, on the response it came from.
TEST(CorrelatedReplayRedirects, AValueThatCannotGoWhereItIsUsedIsAnExtractError) {
    test_servers::FlowServer server;
    const std::string base = "http://127.0.0.1:" + std::to_string(server.Port());
    PlannedRequest away;
    away.url = Lit(base + "/go?to=away");
    away.max_redirects = 0;
    away.name = "GET /go";
    PlannedRequest land;
    land.url.segments = {Text(base), Value(0, ValueEncoding::kRaw)};
    land.name = "GET /landing/{id}";
    PlannedRequest text;
    text.url = Lit(base + "/text");
    text.name = "GET /text";
    PlannedRequest echo;
    echo.url = Lit(base + "/echo");
    echo.headers = {{"X-Line", Template{{Value(1, ValueEncoding::kRaw)}}}};
    echo.name = "GET /echo";
    Extraction body;
    body.source = Extraction::Source::kBody;
    body.slot = 1;
    ScenarioPlan plan = FlowPlan({away, land, text, echo}, {Send(0, {Header("location", 0)}), Send(1)}, 1, 3,
                                 OnExtractError::kEmpty);
    plan.tasks.push_back(PlannedTask{"header", 1, OnExtractError::kSkip});
    plan.vusers[0].task_steps.push_back({Send(2, {body}), Send(3)});
    const runtime::RunResult r = Replay(std::move(plan), 1);
    server.Stop();

    const auto& go = Row(r, RKey("flow", "GET /go"));
    EXPECT_GT(go.requests, 0u);
    EXPECT_EQ(go.ErrorsOf(ErrorKind::kExtract), go.requests);
    EXPECT_EQ(ErrorsWithMessage(r, RKey("flow", "GET /go"), ErrorKind::kExtract,
                                "step 1 (GET /go): header location: the URL is not on the request's origin"),
              go.requests)
        << Dump(r);
    // "empty": the landing is still sent, to this origin, with the path "/" (which the server answers 200).
    EXPECT_EQ(Row(r, RKey("flow", "GET /landing/{id}")).requests, go.requests);
    const auto& t = Row(r, RKey("header", "GET /text"));
    EXPECT_GT(t.requests, 0u);
    EXPECT_EQ(go.requests + t.requests, 3u);
    EXPECT_EQ(t.ErrorsOf(ErrorKind::kExtract), t.requests);
    EXPECT_EQ(ErrorsWithMessage(r, RKey("header", "GET /text"), ErrorKind::kExtract,
                                "step 1 (GET /text): body: the value has a CR, LF or NUL"),
              t.requests)
        << Dump(r);
    EXPECT_EQ(Row(r, RKey("header", "GET /echo")).requests, 0u);  // "skip"
    for (const auto& seen : server.Requests()) {
        EXPECT_NE(seen.line.rfind("GET /landing/0", 0), 0u) << "sent the other origin's path";
        EXPECT_NE(seen.line.rfind("GET /echo", 0), 0u);
    }
}

// Each virtual user's jar keeps what Set-Cookie gave it across iterations, sends it where its path matches, and
// merges it into a request's captured Cookie header (on_start's cookies), the jar winning on a name.
TEST(CorrelatedReplayCookies, TheJarRoundTripsAndMergesWithCapturedCookies) {
    test_servers::FlowServer server;
    const std::string base = "http://127.0.0.1:" + std::to_string(server.Port());
    PlannedRequest login;
    login.url = Lit(base + "/login");
    login.name = "login";
    PlannedRequest page;
    page.url = Lit(base + "/page?x=1");
    page.headers = {{"Cookie", Lit("theme=dark; sid=captured")}};
    page.name = "page";
    PlannedRequest other;
    other.url = Lit(base + "/other/x");
    other.name = "other";
    const runtime::RunResult r = Replay(FlowPlan({login, page, other}, {Send(0), Send(1), Send(2)}, 1, 3), 1);
    server.Stop();
    EXPECT_EQ(r.total.total.ok, 9u);

    const auto seen = server.Requests();
    ASSERT_EQ(seen.size(), 9u);
    for (int i = 1; i <= 3; ++i) {
        const auto& l = seen[static_cast<size_t>(3 * (i - 1))];
        const auto& p = seen[static_cast<size_t>(3 * (i - 1) + 1)];
        const auto& o = seen[static_cast<size_t>(3 * (i - 1) + 2)];
        const std::string sid = "sid=s" + std::to_string(i);
        EXPECT_EQ(l.line, "GET /login HTTP/1.1");
        // The first login has no cookie yet; later ones carry the last iteration's session (Path=/), never the
        // cookie scoped to /other.
        EXPECT_EQ(l.cookie, i == 1 ? "" : "sid=s" + std::to_string(i - 1));
        EXPECT_EQ(p.line, "GET /page?x=1 HTTP/1.1");
        EXPECT_EQ(p.cookie, "theme=dark; " + sid);
        EXPECT_EQ(o.line, "GET /other/x HTTP/1.1");
        EXPECT_EQ(o.cookie, "scoped=1; " + sid);  // longer paths first
    }
}

}  // namespace
}  // namespace lse::plan
