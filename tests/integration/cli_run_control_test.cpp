// Issue 11 items 2, 4 and the seed bullet of 9, end to end with the real binary: the open model's task mix per
// virtual user, runaway Lua (instruction budget, signals), and the per-run default seed.

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_test_util.hpp"
#include "lse/testing/child_process.hpp"
#include "lse/testing/demo_target_process.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {
namespace {

class CliTaskMixTest : public ::testing::Test {
protected:
    void SetUp() override { target_.Start(); }
    std::string Target() { return "http://127.0.0.1:" + std::to_string(target_.Port()); }
    DemoTargetProcess target_;
};

// Item 2: with weights 3:1 and 40 virtual users, the shared round robin (period 4) and the FIFO of idle users
// (period 40) used to cycle in step, so 10 users only ever ran `buy` and 30 only `browse`. Each task records the
// virtual user that ran it as a check name; every user must show up under both tasks.
TEST_F(CliTaskMixTest, OpenModelEveryVirtualUserRunsEveryTask) {
    const std::string script = WriteTempScenario(R"(
local shop = scenario { name = "mix", rps = 400, vusers = 40, duration = "4s" }
shop:task("browse", { weight = 3 }, function(self, http)
  http:get("/api/products")
  check("vu " .. self.id, true)
end)
shop:task("buy", { weight = 1 }, function(self, http)
  http:get("/api/v1/projects")
  check("vu " .. self.id, true)
end)
)");
    const std::string summary = MakeTempFile("lse-mix-", ".json");
    const CliResult r = RunLsengine({"run", script, "--target", Target(), "-q", "--seed", "7", "--summary-json",
                                     summary});
    ASSERT_EQ(r.exit_code, 0) << r.err << r.out;
    const nlohmann::json s = nlohmann::json::parse(ReadWhole(summary));
    const nlohmann::json& sc = s["scenarios"][0];
    std::map<std::string, std::map<std::string, long>> by_task;  // task -> check name -> passes
    for (const auto& c : sc["checks"]) by_task[c["task"].get<std::string>()][c["name"]] = c["passes"].get<long>();
    ASSERT_EQ(by_task.size(), 2u) << sc["checks"].dump();
    for (int vu = 1; vu <= 40; ++vu) {
        const std::string name = "vu " + std::to_string(vu);
        EXPECT_GT(by_task["browse"][name], 0) << name << " never ran browse";
        EXPECT_GT(by_task["buy"][name], 0) << name << " never ran buy";
    }
    long browse = 0;
    long buy = 0;
    for (const auto& [name, n] : by_task["browse"]) browse += n;
    for (const auto& [name, n] : by_task["buy"]) buy += n;
    const long total = browse + buy;
    EXPECT_GE(total, 1400) << "about 1600 arrivals";
    // Exact per worker within WeightedPicker's bound (kBlock / 4 + 2 = 10); a few workers.
    EXPECT_NEAR(static_cast<double>(buy), total / 4.0, 40.0) << "browse " << browse << " buy " << buy;
    std::filesystem::remove(summary);
    std::filesystem::remove(script);
}

// ---- Item 4: runaway Lua ----

// Nothing listens there: the runaway scripts never send a request.
const char kNoTarget[] = "http://127.0.0.1:9";

// The three loop shapes of the issue. LuaJIT compiles all three into traces that never call a count hook, which is
// why the budget runs the script in the interpreter.
const std::vector<std::string> kRunawayLoops = {"while true do end", "local x = 0 while true do x = x + 1 end",
                                                "for i = 1, 1e15 do end"};

// A scenario whose line 3 holds `loop` in `place`: "task", "on_start" or "setup". `options` goes into scenario{}.
std::string RunawayScript(const std::string& place, const std::string& loop, const std::string& options = "") {
    std::string text = "local s = scenario { name = \"r\", vusers = 2, duration = \"1s\"" + options + " }\n";
    if (place == "task") {
        text += "s:task(\"spin\", function(self, http)\n  " + loop + "\nend)\n";
    } else {
        text += "function s:" + place + "(http)\n  " + loop + "\nend\n";
        text += "s:task(\"idle\", function(self, http) end)\n";
    }
    return WriteTempScenario(text);
}

std::string PhaseWords(const std::string& place) { return place == "task" ? "task 'spin'" : place; }

TEST(CliRunaway, EveryLoopShapeStopsWithTheTaskAndLineInEveryPlace) {
    for (const std::string& loop : kRunawayLoops) {
        for (const std::string place : {"task", "on_start", "setup"}) {
            SCOPED_TRACE(place + ": " + loop);
            const std::string script = RunawayScript(place, loop);
            CliOptions o;
            o.timeout_ms = 30'000;
            const auto start = std::chrono::steady_clock::now();
            const CliResult r = RunLsengine({"run", script, "--target", kNoTarget, "-q", "--max-instructions", "2000000"}, o);
            const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
            ASSERT_NE(r.exit_code, -1) << "still running after 30 s";
            EXPECT_NE(r.exit_code, 0) << r.out << r.err;
            EXPECT_LT(secs, 20.0);
            const std::string expected = script + ":3: " + PhaseWords(place) + " ran more than 2000000 Lua instructions";
            EXPECT_NE((r.out + r.err).find(expected), std::string::npos) << expected << "\n" << r.out << r.err;

            const CliResult dry = RunLsengine({"run", script, "--target", kNoTarget, "--dry-run", "--max-instructions",
                                               "2000000"}, o);
            ASSERT_NE(dry.exit_code, -1) << "--dry-run still running after 30 s";
            EXPECT_NE(dry.exit_code, 0);
            EXPECT_NE((dry.out + dry.err).find(expected), std::string::npos) << expected << "\n" << dry.out << dry.err;
            std::filesystem::remove(script);
        }
    }
}

TEST(CliRunaway, TopLevelLoopAndTheScenarioOptionAndTheDefaultBudget) {
    const std::string top = WriteTempScenario("local x = 0\nwhile true do x = x + 1 end\n");
    CliResult r = RunLsengine({"run", top, "--target", kNoTarget, "--max-instructions", "1000000"});
    EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
    EXPECT_NE(r.err.find(top + ":2: the file's top level ran more than 1000000 Lua instructions"), std::string::npos)
        << r.err;

    const std::string option = RunawayScript("task", "while true do end", ", max_instructions = 1000000");
    r = RunLsengine({"run", option, "--target", kNoTarget, "-q"});
    EXPECT_NE((r.out + r.err).find(option + ":3: task 'spin' ran more than 1000000 Lua"), std::string::npos) << r.err;

    // No option, no flag: the default (1e9, about a second and a half of Lua) still ends it.
    const std::string plain = RunawayScript("task", "for i = 1, 1e15 do end");
    CliOptions o;
    o.timeout_ms = 60'000;
    r = RunLsengine({"run", plain, "--target", kNoTarget, "-q", "--vusers", "1"}, o);
    ASSERT_NE(r.exit_code, -1) << "the default budget did not stop the loop";
    EXPECT_NE((r.out + r.err).find(plain + ":3: task 'spin' ran more than 1000000000 Lua"), std::string::npos) << r.err;

    const std::string bad = WriteTempScenario("local s = scenario { max_instructions = -1 }\ns:task(\"t\", function() end)\n");
    r = RunLsengine({"run", bad, "--target", kNoTarget});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("option 'max_instructions' must be an integer >= 0"), std::string::npos) << r.err;
    for (const auto& p : {top, option, plain, bad}) std::filesystem::remove(p);
}

// The budget fails only the iteration: the virtual user goes on with its next one, which succeeds.
TEST_F(CliTaskMixTest, RunawayIterationIsAScriptErrorAndTheVirtualUserGoesOn) {
    const std::string script = WriteTempScenario(R"(
local s = scenario { name = "half", vusers = 2, duration = "2s", max_instructions = 1000000 }
s:task("flaky", function(self, http)
  self.n = (self.n or 0) + 1
  if self.n % 2 == 1 then while true do end end
  http:get("/api/v1/projects")
end)
)");
    const std::string summary = MakeTempFile("lse-runaway-", ".json");
    const CliResult r = RunLsengine({"run", script, "--target", Target(), "-q", "--summary-json", summary});
    ASSERT_NE(r.exit_code, -1);
    const nlohmann::json s = nlohmann::json::parse(ReadWhole(summary));
    const nlohmann::json& task = s["scenarios"][0]["tasks"][0];
    EXPECT_GT(task["ok"].get<long>(), 10) << task.dump();
    EXPECT_GT(task["failures"]["script"].get<long>(), 10) << task.dump();
    EXPECT_LE(std::abs(task["ok"].get<long>() - task["failures"]["script"].get<long>()), 2) << task.dump();
    std::filesystem::remove(summary);
    std::filesystem::remove(script);
}

// Runs lsengine, sends `signals` (the first after `first_ms`, then 300 ms apart) and returns the exit status and
// how long the process took to end after the last signal.
struct SignalledRun {
    std::optional<int> status;
    double secs_after_last = 0;
    std::string out;
    std::string err;
};

SignalledRun RunAndSignal(const std::vector<std::string>& args, const std::vector<int>& signals, int first_ms) {
    const std::string out_path = MakeTempFile("lse-sig-", ".out");
    const std::string err_path = MakeTempFile("lse-sig-", ".err");
    std::vector<std::string> argv = {LSE_LSENGINE_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess child;
    child.Start(argv, ChildOptions{{}, out_path, err_path});
    SignalledRun r;
    std::this_thread::sleep_for(std::chrono::milliseconds(first_ms));
    auto last = std::chrono::steady_clock::now();
    for (size_t i = 0; i < signals.size(); ++i) {
        if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(300));
        child.Signal(signals[i]);
        last = std::chrono::steady_clock::now();
    }
    r.status = child.Wait(15'000);
    r.secs_after_last = std::chrono::duration<double>(std::chrono::steady_clock::now() - last).count();
    if (!r.status) child.Stop();
    r.out = ReadWhole(out_path);
    r.err = ReadWhole(err_path);
    std::filesystem::remove(out_path);
    std::filesystem::remove(err_path);
    return r;
}

// A second SIGINT or a SIGTERM ends the process within about a second whatever Lua does: here with the budget off
// (max_instructions 0, so LuaJIT compiles the loop and nothing in Lua can stop it), in every place Lua runs.
TEST(CliRunawaySignals, SecondSigintOrSigtermEndsTheProcessQuickly) {
    struct Case {
        std::string place;
        bool dry_run;
        std::vector<int> signals;
    };
    const std::vector<Case> cases = {
        {"task", false, {SIGINT, SIGINT}}, {"task", false, {SIGTERM}},      {"on_start", false, {SIGINT, SIGINT}},
        {"on_start", false, {SIGTERM}},    {"setup", false, {SIGINT}},      {"setup", false, {SIGTERM}},
        {"task", true, {SIGINT}},          {"on_start", true, {SIGTERM}},
    };
    for (const std::string& loop : kRunawayLoops) {
        for (const Case& c : cases) {
            SCOPED_TRACE(c.place + (c.dry_run ? " --dry-run" : "") + " signals " + std::to_string(c.signals.size()) +
                         " first " + std::to_string(c.signals[0]) + ": " + loop);
            const std::string script = RunawayScript(c.place, loop);
            std::vector<std::string> args = {"run", script, "--target", kNoTarget, "--max-instructions", "0",
                                             "--duration", "30s"};
            if (c.dry_run) args.push_back("--dry-run");
            const SignalledRun r = RunAndSignal(args, c.signals, 700);
            ASSERT_TRUE(r.status.has_value()) << "still running 15 s after the signal\n" << r.out << r.err;
            EXPECT_EQ(*r.status, 130) << r.out << r.err;
            EXPECT_LT(r.secs_after_last, 2.0);
            EXPECT_NE(r.err.find("interrupted"), std::string::npos) << r.err;
            std::filesystem::remove(script);
        }
    }
}

// The first SIGINT drains: with the budget on, the stuck iteration ends with its error and the run ends by itself.
TEST(CliRunawaySignals, FirstSigintDrainsOnceTheBudgetStopsTheIteration) {
    const std::string script = RunawayScript("task", "while true do end", ", max_instructions = 500000000");
    const SignalledRun r =
        RunAndSignal({"run", script, "--target", kNoTarget, "--duration", "30s", "--vusers", "1"}, {SIGINT}, 200);
    ASSERT_TRUE(r.status.has_value()) << r.out << r.err;
    EXPECT_NE(*r.status, 0);
    EXPECT_LT(r.secs_after_last, 12.0);
    EXPECT_NE(r.err.find("task 'spin' ran more than 500000000 Lua instructions"), std::string::npos) << r.err;
    std::filesystem::remove(script);
}

// ---- Item 9 (last bullet): the default seed varies per run, is printed, and --seed N reproduces ----

// on_start runs once for the only virtual user; its first uuid becomes a check name in the summary JSON.
std::pair<std::string, std::string> UuidAndSeed(const std::string& target, const std::vector<std::string>& extra) {
    static const std::string script = WriteTempScenario(R"(
local s = scenario { name = "ids", vusers = 1, duration = "1s" }
function s:on_start(http) check("id " .. lsengine.uuid(), true) end
s:task("t", function(self, http) sleep(0.2) end)
)");
    const std::string summary = MakeTempFile("lse-seed-", ".json");
    std::vector<std::string> args = {"run", script, "--target", target, "--threads", "1", "--summary-json", summary};
    args.insert(args.end(), extra.begin(), extra.end());
    const CliResult r = RunLsengine(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    const nlohmann::json s = nlohmann::json::parse(ReadWhole(summary));
    std::filesystem::remove(summary);
    std::string uuid;
    for (const auto& c : s["scenarios"][0]["checks"]) {
        const std::string name = c["name"];
        if (name.rfind("id ", 0) == 0) uuid = name.substr(3);
    }
    std::string seed;
    for (const auto& kv : s["run"]["config"].items()) {
        if (kv.key() == "seed") seed = kv.value().is_string() ? kv.value().get<std::string>() : kv.value().dump();
    }
    // Printed on stderr too (the scenario header), so that a run can be repeated.
    if (std::find(extra.begin(), extra.end(), "-q") == extra.end()) {
        EXPECT_NE(r.err.find("seed " + seed), std::string::npos) << r.err;
    }
    EXPECT_EQ(uuid.size(), 36u) << s["scenarios"][0]["checks"].dump();
    return {uuid, seed};
}

TEST(CliSeed, DefaultSeedVariesPerRunAndIsPrintedSeedReproduces) {
    const std::string target = kNoTarget;
    const auto a = UuidAndSeed(target, {"-q"});
    const auto b = UuidAndSeed(target, {});
    EXPECT_NE(a.first, b.first) << "two runs without --seed gave the same uuid";
    EXPECT_NE(a.second, b.second);
    EXPECT_FALSE(a.second.empty());
    const auto c = UuidAndSeed(target, {"--seed", "7"});
    const auto d = UuidAndSeed(target, {"--seed", "7"});
    EXPECT_EQ(c.first, d.first);
    EXPECT_EQ(c.second, "7");
    // A printed seed repeats that run.
    const auto again = UuidAndSeed(target, {"--seed", b.second});
    EXPECT_EQ(again.first, b.first);
}

TEST(CliSeed, UrlDefaultSeedVariesAndIsPrinted) {
    auto seed_of = [](const std::vector<std::string>& extra) {
        const std::string summary = MakeTempFile("lse-useed-", ".json");
        std::vector<std::string> args = {"url", std::string(kNoTarget) + "/", "--duration", "200ms", "--vusers", "1",
                                         "--summary-json", summary};
        args.insert(args.end(), extra.begin(), extra.end());
        const CliResult r = RunLsengine(args);
        const nlohmann::json s = nlohmann::json::parse(ReadWhole(summary));
        std::filesystem::remove(summary);
        std::string seed;
        for (const auto& kv : s["run"]["config"].items()) {
            if (kv.key() == "seed") seed = kv.value().is_string() ? kv.value().get<std::string>() : kv.value().dump();
        }
        EXPECT_NE(r.err.find("seed " + seed), std::string::npos) << r.err;
        return seed;
    };
    const std::string a = seed_of({});
    const std::string b = seed_of({});
    EXPECT_FALSE(a.empty());
    EXPECT_NE(a, b);
    EXPECT_EQ(seed_of({"--seed", "7"}), "7");
}

}  // namespace
}  // namespace lse::testing
