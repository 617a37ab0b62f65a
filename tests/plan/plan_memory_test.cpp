// What an agent pays per virtual user it hosts (issue 16, item 5: at most 1.5 KB of its slice): a plan shaped like a
// million-user script's (two tasks, each one GET with the virtual user's own Authorization header; URL and name
// shared) is encoded, decoded and compiled as an agent does (DecodeAndCompilePlan, in one pass) and given a runner,
// and the heap bytes in use (mallinfo2) are measured per virtual user: at its peak during the decoding (the encoded
// bytes held), once compiled and with the runner. The two-step way (DecodePlan, then CompileScenario) is measured
// too: the decoded plan whole is what the one pass avoids. A memory bound, not a timing.

#include <malloc.h>
#include <uv.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "lse/http/client.hpp"
#include "lse/plan/compiled_plan.hpp"
#include "lse/plan/compiled_scenario.hpp"
#include "lse/plan/plan_codec.hpp"
#include "lse/plan/plan_runner.hpp"
#include "lse/runtime/metrics_recorder.hpp"
#include "plan_fixtures.hpp"
#include "replay_tables.hpp"

namespace lse::plan {
namespace {

using testing_fixtures::Lit;

// Allocated bytes: the heap's (uordblks) and the large blocks glibc maps on their own (hblkhd: a vector of 100k
// elements is one).
std::size_t HeapInUse() {
    const struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;
}

// Under AddressSanitizer (the CI's sanitizer build) malloc is ASan's, which glibc's mallinfo2 does not see, and
// every block carries redzones: the bound is glibc's, so the test measures only without ASan.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kGlibcHeap = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kGlibcHeap = false;
#else
constexpr bool kGlibcHeap = true;
#endif
#else
constexpr bool kGlibcHeap = true;
#endif

// A token per virtual user, 32 characters as a login's access token: every request is distinct.
std::string Token(int id) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%08x%08x%08x%08x", static_cast<unsigned>(id) * 2654435761u, id ^ 0x5bd1e995,
                  static_cast<unsigned>(id) * 40503u, static_cast<unsigned>(id) + 0x9e3779b9u);
    return buf;
}

// The million.lua plan: on_start logged each virtual user in, both tasks send its Bearer token.
std::string EncodedMillionPlan(int vusers) {
    Plan plan;
    plan.cluster_id = "c1";
    plan.run_id = "r1";
    ScenarioPlan s;
    s.name = "million";
    s.load.open_model = true;
    s.load.start_rps = 200;
    s.load.vusers = vusers;
    s.tasks = {{"browse", 4}, {"detail", 1}};
    s.requests.reserve(static_cast<size_t>(vusers) * 2);
    s.vusers.reserve(static_cast<size_t>(vusers));
    for (int id = 1; id <= vusers; ++id) {
        const Template auth = Lit("Bearer " + Token(id));
        PlannedRequest browse;
        browse.url = Lit("http://127.0.0.1:18282/api/products");
        browse.headers = {{"Authorization", auth}};
        browse.name = "GET /api/products";
        PlannedRequest detail;
        detail.url = Lit("http://127.0.0.1:18282/api/v1/projects/1");
        detail.headers = {{"Authorization", auth}};
        detail.name = "GET /api/v1/projects/1";
        detail.expect = {{200, 200}, {404, 404}};
        const auto first = static_cast<std::uint32_t>(s.requests.size());
        s.requests.push_back(std::move(browse));
        s.requests.push_back(std::move(detail));
        VuPlan vu;
        vu.id = id;
        vu.task_steps = {{Step{false, first, 0, {}}}, {Step{false, first + 1, 0, {}}}};
        s.vusers.push_back(std::move(vu));
    }
    plan.scenarios.push_back(std::move(s));
    return EncodePlan(plan);
}

class NoListener final : public runtime::IterationListener {
public:
    void OnIterationDone(int) noexcept override {}
};

double PerVu(std::size_t bytes, std::size_t start, int vusers) {
    return (static_cast<double>(bytes) - static_cast<double>(start)) / vusers;
}

TEST(PlanMemory, AnAgentHoldsAtMostOneAndAHalfKilobytesPerVirtualUser) {
    if (!kGlibcHeap) GTEST_SKIP() << "AddressSanitizer's allocator: mallinfo2 does not count its blocks";
    constexpr int kVusers = 100'000;
    constexpr double kBudget = 1536;
    malloc_trim(0);
    const std::size_t start = HeapInUse();  // the encoded bytes count: an agent holds them while it decodes
    std::string bytes = EncodedMillionPlan(kVusers);
    bytes.shrink_to_fit();  // as received: an agent assembles a plan of known size
    const double encoded = static_cast<double>(bytes.size()) / kVusers;
    malloc_trim(0);

    // The two-step way: the whole decoded plan, then its compiled form.
    double decoded_per_vu = 0;
    double two_step_compiled_per_vu = 0;
    {
        Plan decoded;
        std::string error;
        ASSERT_TRUE(DecodePlan(bytes, &decoded, &error)) << error;
        decoded_per_vu = PerVu(HeapInUse(), start, kVusers);
        auto compiled = CompileScenario(std::move(decoded.scenarios[0]), {});
        decoded = Plan{};
        two_step_compiled_per_vu = PerVu(HeapInUse(), start, kVusers);
    }
    malloc_trim(0);

    // The agent's way: one pass, sampled every thousand requests or virtual users for its peak.
    std::size_t peak = HeapInUse();
    std::size_t items = 0;
    CompilePlanOptions options;
    options.on_progress = [&] {
        if (++items % 1000 == 0) peak = std::max(peak, HeapInUse());
    };
    CompiledPlan plan;
    std::string error;
    ASSERT_TRUE(DecodeAndCompilePlan(bytes, &plan, &error, options)) << error;
    peak = std::max(peak, HeapInUse());
    ASSERT_EQ(items, static_cast<size_t>(kVusers) * 3) << "every request and virtual user was reported";
    const double peak_per_vu = PerVu(peak, start, kVusers);
    std::string().swap(bytes);
    ASSERT_EQ(plan.scenarios.size(), 1u);
    const std::shared_ptr<const CompiledScenario> compiled = plan.scenarios[0].compiled;
    plan = CompiledPlan{};
    const double compiled_per_vu = PerVu(HeapInUse(), start, kVusers);
    ASSERT_NE(compiled, nullptr);
    ASSERT_EQ(compiled->vuser_count, static_cast<size_t>(kVusers));
    EXPECT_TRUE(compiled->header->vusers.empty());
    EXPECT_TRUE(compiled->header->requests.empty());
    // What the requests share is held once: two stats names and expectations for 200k requests, none templated.
    EXPECT_EQ(compiled->tables->traits.size(), 2u);
    EXPECT_EQ(compiled->tables->requests.size(), static_cast<size_t>(kVusers) * 2);
    EXPECT_TRUE(compiled->tables->templated.empty());

    uv_loop_t loop;
    ASSERT_EQ(uv_loop_init(&loop), 0);
    double total_per_vu = 0;
    {
        http::Client client(&loop, http::ClientOptions{});
        runtime::MetricsRecorder recorder;
        NoListener listener;
        auto config = std::make_shared<PlanRunConfig>();
        config->compiled = compiled;
        config->scenario = compiled->header;
        config->vu_positions = AgentVuPositions(kVusers, 0, 1);
        runtime::WorkerContext ctx;
        ctx.loop = &loop;
        ctx.client = &client;
        ctx.recorder = &recorder;
        ctx.listener = &listener;
        ctx.vusers = kVusers;
        ctx.open_model = true;
        auto runner = MakePlanRunnerFactory(config)(ctx);
        ASSERT_EQ(runner->VuserCount(), kVusers);
        total_per_vu = PerVu(HeapInUse(), start, kVusers);
        bool closed = false;
        int pending = 2;
        runner->Close([&] { closed = --pending == 0; });
        client.Close([&] { closed = --pending == 0; });
        while (!closed && uv_run(&loop, UV_RUN_ONCE) != 0) {
        }
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    EXPECT_EQ(uv_loop_close(&loop), 0);
    std::printf("per virtual user: encoded plan %.0f B; two steps: decoded plan %.0f B (held with the encoded bytes), "
                "compiled %.0f B; one pass: peak %.0f B (with the encoded bytes), compiled %.0f B, with the runner "
                "%.0f B\n",
                encoded, decoded_per_vu, two_step_compiled_per_vu, peak_per_vu, compiled_per_vu, total_per_vu);
    RecordProperty("bytes_per_vu", static_cast<int>(total_per_vu));
    RecordProperty("peak_bytes_per_vu", static_cast<int>(peak_per_vu));
    EXPECT_LE(peak_per_vu, kBudget) << "the agent's peak, while it decodes its slice";
    EXPECT_LE(total_per_vu, kBudget) << "what it holds during the run";
    // The compiled form is much smaller than the decoded plan it replaces, and the one pass never holds that plan.
    EXPECT_LT(compiled_per_vu, (decoded_per_vu - encoded) / 2);
    EXPECT_LT(peak_per_vu, decoded_per_vu);
    // Both ways compile the same tables (the same size, give or take the allocator's rounding).
    EXPECT_NEAR(compiled_per_vu, two_step_compiled_per_vu - encoded, 32);
}

}  // namespace
}  // namespace lse::plan
