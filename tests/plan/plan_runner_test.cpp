// The plan runner against the real demo target: a hand-built plan (as the coordinator's
// capture would produce it) replayed through runtime::LoadRun, checked against what the
// target counted.

#include "lse/plan/plan_runner.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "lse/core/clock.hpp"
#include "lse/core/errors.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/runtime/load_run.hpp"
#include "lse/testing/demo_target_process.hpp"
#include "lse/testing/http_get.hpp"
#include "plan_fixtures.hpp"

namespace lse::plan {
namespace {

using testing::DemoTargetProcess;
using testing_fixtures::Lit;
using testing_fixtures::Seg;
using testing_fixtures::Text;

constexpr char kScenario[] = "shop";

std::string RKey(const std::string& task, const std::string& name) {
    return metrics::MakeStatKey(metrics::StatKind::kRequest, kScenario, task, name);
}
std::string TKey(const std::string& task) { return metrics::MakeStatKey(metrics::StatKind::kTask, kScenario, task); }

class PlanRunnerTest : public ::testing::Test {
protected:
    void SetUp() override {
        target_.Start();
        for (int u = 1; u <= 5; ++u) {
            const auto r = testing::HttpRequestSync(target_.Port(), "POST", "/auth/login",
                                                    R"({"user":"u)" + std::to_string(u) + R"(","pass":"secret"})",
                                                    {{"Content-Type", "application/json"}});
            ASSERT_EQ(r.status, 200) << r.error << r.body;
            tokens_.push_back(nlohmann::json::parse(r.body).at("access_token").get<std::string>());
            ASSERT_EQ(tokens_.back().rfind("tok-u" + std::to_string(u) + "-", 0), 0u) << tokens_.back();
        }
        target_.ResetStats();
    }

    std::string Base() const { return "http://127.0.0.1:" + std::to_string(target_.Port()); }

    // browse (weight 3): GET /api/products with the VU's token; create (weight 1): POST a project
    // whose name carries a sequence number. One request of each per VU, as captured.
    ScenarioPlan ShopPlan() const {
        ScenarioPlan s;
        s.name = kScenario;
        s.tasks = {{"browse", 3}, {"create", 1}};
        for (int u = 0; u < 5; ++u) {
            PlannedRequest browse;
            browse.url = Lit(Base() + "/api/products");
            browse.headers = {{"Authorization", Lit("Bearer " + tokens_[static_cast<size_t>(u)])}};
            browse.name = "GET /api/products";
            PlannedRequest create;
            create.method = http::Method::kPost;
            create.url = Lit(Base() + "/api/v1/projects");
            create.headers = {{"Authorization", Lit("Bearer " + tokens_[static_cast<size_t>(u)])},
                              {"Content-Type", Lit("application/json")}};
            create.body.segments = {Text(R"({"name":"p-)"), Seg(Segment::Kind::kSeq), Text(R"(","vu":)"),
                                    Seg(Segment::Kind::kVuser), Text("}")};
            create.name = "POST /api/v1/projects";
            const auto first = static_cast<std::uint32_t>(s.requests.size());
            s.requests.push_back(browse);
            s.requests.push_back(create);
            VuPlan vu;
            vu.id = u + 1;
            vu.task_steps = {{Step{false, first, 0, {}}}, {Step{false, first + 1, 0, {}}}};
            s.vusers.push_back(vu);
        }
        return s;
    }

    runtime::RunResult Run(ScenarioPlan plan, int threads, std::vector<int> positions = {}, int agent_index = 0,
                           int agent_count = 1) {
        auto config = std::make_shared<PlanRunConfig>();
        const int hosted = positions.empty() ? static_cast<int>(plan.vusers.size()) : static_cast<int>(positions.size());
        config->scenario = std::make_shared<const ScenarioPlan>(std::move(plan));
        config->vu_positions = std::move(positions);
        config->agent_index = agent_index;
        config->agent_count = agent_count;
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

    std::uint64_t Routed(const nlohmann::json& stats, const std::string& route) {
        return stats["by_route"].contains(route) ? stats["by_route"][route].get<std::uint64_t>() : 0;
    }

    DemoTargetProcess target_;
    std::vector<std::string> tokens_;
};

TEST_F(PlanRunnerTest, OpenModelReplaysTasksByWeightWithEachVirtualUsersToken) {
    ScenarioPlan plan = ShopPlan();
    plan.load.open_model = true;
    // 64 arrivals over 2 workers: each worker's picker hands out one whole shuffled block of 32, after which each
    // task is within 1 of its share (WeightedPicker), so the totals are within 2 of 48:16.
    plan.load.start_rps = 32;
    plan.load.stages = {{2 * kNsPerSec, 32}};
    plan.load.vusers = 5;
    const runtime::RunResult r = Run(plan, 2);

    EXPECT_EQ(r.total.total.requests, 64u);
    EXPECT_EQ(r.total.total.dropped, 0u);
    EXPECT_EQ(r.total.total.ok, 64u);
    const auto stats = target_.Stats();
    const std::uint64_t browse = Routed(stats, "GET /api/products");
    const std::uint64_t create = Routed(stats, "POST /api/v1/projects");
    EXPECT_NEAR(static_cast<double>(browse), 48, 2);
    EXPECT_NEAR(static_cast<double>(create), 16, 2);
    EXPECT_EQ(browse + create, 64u);
    // Our numbers agree with the target's, under the right task and name.
    EXPECT_EQ(r.total.by_name.at(RKey("browse", "GET /api/products")).ok, browse);
    EXPECT_EQ(r.total.by_name.at(RKey("create", "POST /api/v1/projects")).ok, create);
    EXPECT_EQ(r.total.by_name.at(TKey("browse")).ok, browse);
    EXPECT_EQ(r.total.by_name.at(TKey("create")).ok, create);

    // Every virtual user's identity was used (FIFO idle queue), with its own token only.
    std::uint64_t by_token_total = 0;
    for (const auto& token : tokens_) {
        ASSERT_TRUE(stats["by_token"].contains(token)) << token << "\n" << stats.dump();
        EXPECT_GE(stats["by_token"][token].get<std::uint64_t>(), 1u);
        by_token_total += stats["by_token"][token].get<std::uint64_t>();
    }
    EXPECT_EQ(by_token_total, 64u);

    // Sequence placeholders: one value per sent body, exactly 1..create for a single agent.
    std::set<int> seqs;
    std::set<int> vusers;
    for (const auto& body : stats["bodies"]["POST /api/v1/projects"]) {
        const auto doc = nlohmann::json::parse(body.get<std::string>());
        const std::string name = doc.at("name").get<std::string>();
        ASSERT_EQ(name.rfind("p-", 0), 0u) << name;
        seqs.insert(std::stoi(name.substr(2)));
        vusers.insert(doc.at("vu").get<int>());
    }
    EXPECT_EQ(seqs.size(), create);
    if (!seqs.empty()) {
        EXPECT_EQ(*seqs.begin(), 1);
        EXPECT_EQ(*seqs.rbegin(), static_cast<int>(create));
    }
    for (int v : vusers) {
        EXPECT_GE(v, 1);
        EXPECT_LE(v, 5);
    }
}

TEST_F(PlanRunnerTest, ClosedModelHostsOnlyThisAgentsVirtualUsersAndStridesSequenceNumbers) {
    ScenarioPlan plan = ShopPlan();
    plan.load.open_model = false;
    plan.load.duration_ns = 1 * kNsPerSec;
    plan.load.think_min_ns = plan.load.think_max_ns = 20 * kNsPerMs;
    // Agent 1 of 2 hosts positions 1 and 3 (users u2 and u4).
    const std::vector<int> positions = AgentVuPositions(plan.vusers.size(), 1, 2);
    ASSERT_EQ(positions, (std::vector<int>{1, 3}));
    const runtime::RunResult r = Run(plan, 2, positions, 1, 2);

    EXPECT_GT(r.total.total.requests, 10u);
    EXPECT_EQ(r.total.total.ok, r.total.total.requests);
    const auto stats = target_.Stats();
    std::uint64_t seen = 0;
    for (size_t u = 0; u < tokens_.size(); ++u) {
        const bool hosted = u == 1 || u == 3;
        const bool used = stats["by_token"].contains(tokens_[u]);
        EXPECT_EQ(used, hosted) << "user u" << u + 1;
        if (used) seen += stats["by_token"][tokens_[u]].get<std::uint64_t>();
    }
    EXPECT_EQ(seen, r.total.total.requests);
    // Agent 1 of 2 draws 2, 4, 6, ...
    for (const auto& body : stats["bodies"]["POST /api/v1/projects"]) {
        const auto doc = nlohmann::json::parse(body.get<std::string>());
        const int seq = std::stoi(doc["name"].get<std::string>().substr(2));
        EXPECT_EQ(seq % 2, 0) << seq;
        EXPECT_TRUE(doc["vu"] == 2 || doc["vu"] == 4) << doc.dump();
    }
}

TEST_F(PlanRunnerTest, PauseStepsDelayTheRestOfTheIteration) {
    ScenarioPlan plan;
    plan.name = kScenario;
    plan.tasks = {{"walk", 1}};
    PlannedRequest get;
    get.url = Lit(Base() + "/api/v1/projects");
    get.name = "GET /api/v1/projects";
    plan.requests = {get};
    VuPlan vu;
    vu.id = 1;
    vu.task_steps = {{Step{false, 0, 0, {}}, Step{true, 0, 300 * kNsPerMs, {}}, Step{false, 0, 0, {}}}};
    plan.vusers = {vu};
    plan.load.open_model = false;
    plan.load.duration_ns = 1 * kNsPerSec;
    const runtime::RunResult r = Run(plan, 1);

    const auto& task = r.total.by_name.at(TKey("walk"));
    ASSERT_GE(task.requests, 1u);
    EXPECT_LE(task.requests, 4u);  // at least 300 ms per iteration in a 1 s run
    EXPECT_GE(task.service_time_us.Min(), 300'000);
    EXPECT_EQ(r.total.by_name.at(RKey("walk", "GET /api/v1/projects")).requests, 2 * task.requests);
    EXPECT_EQ(Routed(target_.Stats(), "GET /api/v1/projects"), 2 * task.requests);
}

TEST_F(PlanRunnerTest, ExpectDecidesSuccessAndAFailedStepDoesNotStopTheIteration) {
    ScenarioPlan plan;
    plan.name = kScenario;
    plan.tasks = {{"probe", 1}};
    PlannedRequest expected_404;
    expected_404.url = Lit(Base() + "/status/404");
    expected_404.name = "expected 404";
    expected_404.expect = {{404, 404}};
    PlannedRequest unexpected_404 = expected_404;
    unexpected_404.name = "unexpected 404";
    unexpected_404.expect.clear();
    PlannedRequest fine;
    fine.url = Lit(Base() + "/api/v1/projects");
    fine.name = "after the failure";
    plan.requests = {expected_404, unexpected_404, fine};
    VuPlan vu;
    vu.id = 1;
    vu.task_steps = {{Step{false, 0, 0, {}}, Step{false, 1, 0, {}}, Step{false, 2, 0, {}}}};
    plan.vusers = {vu};
    plan.load.open_model = true;
    plan.load.start_rps = 5;
    plan.load.stages = {{1 * kNsPerSec, 5}};
    const runtime::RunResult r = Run(plan, 1);

    const auto& ok404 = r.total.by_name.at(RKey("probe", "expected 404"));
    const auto& bad404 = r.total.by_name.at(RKey("probe", "unexpected 404"));
    const auto& after = r.total.by_name.at(RKey("probe", "after the failure"));
    const auto& task = r.total.by_name.at(TKey("probe"));
    EXPECT_EQ(task.requests, 5u);
    EXPECT_EQ(ok404.requests, 5u);
    EXPECT_EQ(ok404.ok, 5u);
    EXPECT_EQ(bad404.ErrorsOf(ErrorKind::kStatus), 5u);
    EXPECT_EQ(after.ok, 5u);  // the iteration went on after its failed step
    EXPECT_EQ(task.ErrorsOf(ErrorKind::kStatus), 5u);
    EXPECT_EQ(task.ok, 0u);
}

TEST(PlanRunnerSetup, BadPlansAreRefusedBeforeTheRun) {
    auto config = std::make_shared<PlanRunConfig>();
    ScenarioPlan plan;
    plan.name = "s";
    plan.tasks = {{"t", 1}};
    PlannedRequest r;
    r.url = Lit("http://127.0.0.1:1/");
    plan.requests = {r};
    plan.vusers = {VuPlan{1, {{Step{false, 3, 0, {}}}}}};  // missing request
    config->scenario = std::make_shared<const ScenarioPlan>(plan);
    EXPECT_THROW(MakePlanRunnerFactory(config), UsageError);
    plan.vusers = {VuPlan{1, {{Step{false, 0, 0, {}}}}}};
    config->scenario = std::make_shared<const ScenarioPlan>(plan);
    config->vu_positions = {1};  // only position 0 exists
    EXPECT_THROW(MakePlanRunnerFactory(config), UsageError);
    config->vu_positions = {0};
    EXPECT_NO_THROW(MakePlanRunnerFactory(config));
    // Extraction rules are compiled once, before the run: a bad JSON path or pattern is refused there.
    Extraction bad;
    bad.source = Extraction::Source::kJson;
    bad.key = "id";  // not a path: "$.id"
    plan.vusers = {VuPlan{1, {{Step{false, 0, 0, {bad}}}}}};
    config->scenario = std::make_shared<const ScenarioPlan>(plan);
    EXPECT_THROW(MakePlanRunnerFactory(config), UsageError);
    bad.source = Extraction::Source::kBody;
    bad.key.clear();
    bad.pattern = "%b()";
    plan.vusers = {VuPlan{1, {{Step{false, 0, 0, {bad}}}}}};
    config->scenario = std::make_shared<const ScenarioPlan>(plan);
    EXPECT_THROW(MakePlanRunnerFactory(config), UsageError);
    bad.pattern = "(%w+)";
    plan.vusers = {VuPlan{1, {{Step{false, 0, 0, {bad}}}}}};
    config->scenario = std::make_shared<const ScenarioPlan>(plan);
    EXPECT_NO_THROW(MakePlanRunnerFactory(config));
}

}  // namespace
}  // namespace lse::plan
