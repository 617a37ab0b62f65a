// The replay's hot path does not allocate once its buffers have grown, with everything a correlated flow adds:
// values extracted from JSON (a pattern and tonumber() too), written into a path, a JSON body and a query, and a
// cookie jar that a server refreshes on every iteration, merged into a captured Cookie header. (The latency
// histograms' pages are grown first: theirs is the metrics' own bounded growth, whatever the runner.)
//
// One virtual user runs closed-loop on this thread's loop (a PlanRunner driven directly, as a Worker would), and a
// replaced operator new counts what this thread allocates between iteration 100 and iteration 400. Its own binary:
// the replacement applies to the whole program.

#include <uv.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "flow_server.hpp"
#include "lse/http/client.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/plan/plan_runner.hpp"
#include "lse/runtime/metrics_recorder.hpp"
#include "lse/testing/demo_target_process.hpp"
#include "plan_fixtures.hpp"

namespace {
thread_local bool g_counting = false;
std::atomic<long> g_allocations{0};
}  // namespace

// The replacements pair operator new with malloc and operator delete with free, as the standard allows; GCC
// inlines them into new/delete expressions elsewhere and then warns that free() meets a pointer from new.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
    if (g_counting) g_allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace lse::plan {
namespace {

using testing_fixtures::Lit;
using testing_fixtures::Seg;
using testing_fixtures::Text;

Segment Value(std::uint32_t slot, ValueEncoding encoding) {
    return Segment{Segment::Kind::kValue, "", slot, static_cast<std::int64_t>(encoding)};
}

Extraction Rule(Extraction::Source source, std::string key, std::uint32_t slot, std::string pattern = "",
                bool number = false) {
    Extraction e;
    e.source = source;
    e.key = std::move(key);
    e.slot = slot;
    e.pattern = std::move(pattern);
    e.number = number;
    return e;
}

void WarmUp(runtime::MetricsRecorder& recorder, int index) {
    for (std::int64_t us = 1; us < (std::int64_t{1} << 42); us = us * 5 / 4 + 1) {
        recorder.RecordCompletion(index, ErrorKind::kNone, 200, true, us, us, 0, 0);
    }
}

// Restarts its virtual user until `until` iterations are done, counting allocations over [from, to).
class Loop final : public runtime::IterationListener {
public:
    Loop(int from, int to, int until) : from_(from), to_(to), until_(until) {}
    void OnIterationDone(int vu) noexcept override {
        ++done_;
        if (done_ == from_) g_counting = true;
        if (done_ == to_) g_counting = false;
        if (done_ < until_) {
            runner->TryStart(vu, 0);
        } else {
            g_counting = false;
            finished = true;
        }
    }
    runtime::IterationRunner* runner = nullptr;
    bool finished = false;

private:
    int from_;
    int to_;
    int until_;
    int done_ = 0;
};

TEST(ReplayAllocation, ACorrelatedFlowWithCookiesDoesNotAllocateInSteadyState) {
    lse::testing::DemoTargetProcess demo;
    demo.Start();
    test_servers::FlowServer cookies;
    const std::string api = "http://127.0.0.1:" + std::to_string(demo.Port()) + "/api/v1/projects";
    const std::string site = "http://127.0.0.1:" + std::to_string(cookies.Port());

    ScenarioPlan plan;
    plan.name = "alloc";
    plan.tasks = {PlannedTask{"flow", 1, OnExtractError::kSkip}};
    PlannedRequest login;
    login.url = Lit(site + "/login");  // a fresh session cookie every iteration: the jar replaces it in place
    login.name = "login";
    PlannedRequest create;
    create.method = http::Method::kPost;
    create.url = Lit(api);
    create.headers = {{"Content-Type", Lit("application/json")}};
    create.body.segments = {Text("{\"name\":\"p-"), Seg(Segment::Kind::kSeq), Text("\"}")};
    create.name = "create";
    create.expect = {{201, 201}};
    PlannedRequest get;
    get.url.segments = {Text(api + "/"), Value(0, ValueEncoding::kRaw)};
    get.name = "get";
    get.expect = {{200, 200}};
    PlannedRequest patch = get;
    patch.method = http::Method::kPatch;
    patch.headers = {{"Content-Type", Lit("application/json")}};
    patch.body.segments = {Text("{\"id\":"), Value(0, ValueEncoding::kJsonValue), Text(",\"n\":"),
                           Value(1, ValueEncoding::kJsonValue), Text(",\"name\":\""), Value(2, ValueEncoding::kJsonString),
                           Text("!\"}")};
    patch.name = "patch";
    PlannedRequest del = get;
    del.method = http::Method::kDelete;
    del.url.segments = {Text(api + "/"), Value(0, ValueEncoding::kRaw), Text("?name="), Value(2, ValueEncoding::kPercent)};
    del.name = "delete";
    del.expect = {{204, 204}};
    PlannedRequest page;
    // A data file's row per iteration (sequential, percent-encoded into the query): drawn without allocating.
    Segment user;
    user.kind = Segment::Kind::kData;
    user.b = static_cast<std::int64_t>(ValueEncoding::kPercent);
    page.url.segments = {Text(site + "/page?u="), user};
    page.headers = {{"Cookie", Lit("theme=dark; sid=captured")}};
    page.name = "page";
    plan.requests = {login, create, get, patch, del, page};
    std::vector<Step> steps(6);
    for (std::uint32_t i = 0; i < 6; ++i) steps[i].request = i;
    steps[1].extract = {Rule(Extraction::Source::kJson, "$.id", 0),
                        Rule(Extraction::Source::kJson, "$.name", 1, "p%-(%d+)", /*number=*/true),
                        Rule(Extraction::Source::kJson, "$.name", 2)};
    plan.vusers = {VuPlan{1, {steps}}};

    auto config = std::make_shared<PlanRunConfig>();
    config->scenario = std::make_shared<const ScenarioPlan>(std::move(plan));
    DataFeed users;
    users.name = "users.csv";
    users.table = data::DataTable({"name"});
    for (const char* name : {"a b", "c&d", "e"}) users.table.AddRow({name});
    users.total_rows = 3;
    config->feeders = MakeFeeders({users});
    const runtime::RunnerFactory factory = MakePlanRunnerFactory(config);

    uv_loop_t loop;
    ASSERT_EQ(uv_loop_init(&loop), 0);
    {
        http::Client client(&loop, http::ClientOptions{});
        runtime::MetricsRecorder recorder;
        // Latency histograms add a page the first time a value lands in a new range: bounded growth of the
        // metrics, not of the replay, and random (one slow response). Grow every page first, then start clean.
        for (const char* name : {"login", "create", "get", "patch", "delete", "page"}) {
            WarmUp(recorder, recorder.Register(metrics::MakeStatKey(metrics::StatKind::kRequest, "alloc", "flow", name)));
        }
        WarmUp(recorder, recorder.Register(metrics::MakeStatKey(metrics::StatKind::kTask, "alloc", "flow"), false));
        metrics::Snapshot discarded;
        recorder.Publish(0, 1);
        ASSERT_TRUE(recorder.TakePublished(&discarded));
        Loop listener(100, 400, 420);
        runtime::WorkerContext ctx;
        ctx.loop = &loop;
        ctx.client = &client;
        ctx.recorder = &recorder;
        ctx.listener = &listener;
        ctx.vusers = 1;
        auto runner = factory(ctx);
        listener.runner = runner.get();
        ASSERT_TRUE(runner->TryStart(0, 0));
        while (!listener.finished && uv_run(&loop, UV_RUN_ONCE) != 0) {
        }
        ASSERT_TRUE(listener.finished);
        bool closed = false;
        int pending = 2;
        runner->Close([&] { closed = --pending == 0; });
        client.Close([&] { closed = --pending == 0; });
        while (!closed && uv_run(&loop, UV_RUN_ONCE) != 0) {
        }
        uv_run(&loop, UV_RUN_DEFAULT);

        // The flow really ran: every request of every iteration accepted, values and cookies used as the
        // servers expect (the demo target refuses another project's id).
        metrics::Snapshot snap;
        recorder.Publish(0, 1);
        ASSERT_TRUE(recorder.TakePublished(&snap));
        EXPECT_EQ(snap.total.requests, 420u * 6);
        EXPECT_EQ(snap.total.ok, 420u * 6);
    }
    EXPECT_EQ(uv_loop_close(&loop), 0);
    const auto seen = cookies.Requests();
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.back().cookie, "theme=dark; sid=s420");
    // Iteration k drew row k % 3 (the feeder is sequential): each row a third of the time, in order.
    std::vector<std::string> pages;
    for (const auto& s : seen) {
        if (s.line.rfind("GET /page", 0) == 0) pages.push_back(s.line);
    }
    ASSERT_EQ(pages.size(), 420u);
    const char* const expected[] = {"GET /page?u=a%20b HTTP/1.1", "GET /page?u=c%26d HTTP/1.1", "GET /page?u=e HTTP/1.1"};
    for (size_t k = 0; k < pages.size(); ++k) ASSERT_EQ(pages[k], expected[k % 3]) << k;
    EXPECT_EQ(g_allocations.load(), 0) << "allocations on the loop thread in 300 steady-state iterations";
}

}  // namespace
}  // namespace lse::plan
