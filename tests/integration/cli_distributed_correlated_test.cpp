// Correlated flows replayed natively by agents (issue 14), with the demo target as referee: it hands out random
// order ids, CSRF tokens bound to a session cookie and one-time landing ids, and counts every follow-up that does
// not carry the value its own iteration received. Also: extraction failures (a field missing, a body that is not
// JSON) under both on_extract_error modes, --dry-run's extraction rules and a branch on a response value, and the
// example scripts/examples/correlated.lua distributed and on a single node.

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "distributed_test_util.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {
namespace {

using nlohmann::json;

constexpr int kVusers = 8;  // At most this many iterations are cut by the end of a run.
constexpr int kExampleVusers = 10;  // correlated.lua's vusers

const std::string kExample = std::string(LSE_EXAMPLES_DIR) + "/correlated.lua";

// One scenario 'flows' (open model, `seconds` of load at `rps`) whose tasks are `tasks` (Lua source).
std::string FlowScenario(const std::string& tasks, int rps = 40, const std::string& seconds = "3s") {
    return "local s = scenario { name = 'flows', rps = " + std::to_string(rps) + ", vusers = " +
           std::to_string(kVusers) + ", duration = '" + seconds + "' }\n" + tasks;
}

const char* const kOrderLifecycle = R"lua(
s:task("lifecycle", function(self, http)
  local r = http:post("/api/v1/orders", { json = { sku = "A-" .. lsengine.seq() }, expect = 201 })
  local id = r:json().id
  http:get("/api/v1/orders/" .. id, { name = "GET /api/v1/orders/{id}" })
  http:put("/api/v1/orders/" .. id, { json = { id = id, qty = 2 }, name = "PUT /api/v1/orders/{id}" })
  http:delete("/api/v1/orders/" .. id, { expect = 204, name = "DELETE /api/v1/orders/{id}" })
end)
)lua";

struct Outcome {
    CliResult cli;
    json summary;  ///< --summary-json, null when the file was not written
};

class CliCorrelatedTest : public CliDistributedTest {
protected:
    // lsengine run <script> --target <demo target> -q --summary-json F <extra...>
    Outcome RunScript(const std::string& script, std::vector<std::string> extra) {
        const std::string summary_path = TempPath("lse-test-correlated-summary", ".json");
        std::remove(summary_path.c_str());
        std::vector<std::string> args = {"run", script, "--target", Target(), "-q", "--summary-json", summary_path};
        args.insert(args.end(), extra.begin(), extra.end());
        Outcome run{RunLsengine(args), nullptr};
        std::ifstream in(summary_path);
        if (in) run.summary = json::parse(in, nullptr, false);
        std::remove(summary_path.c_str());
        return run;
    }

    json Flows(const std::string& which) { return target_.Stats()[which]; }
};

// The summary's error groups of kind `kind` (every scenario), as {name, message, count} rows.
std::vector<json> ErrorRows(const json& summary, const std::string& kind) {
    std::vector<json> rows;
    if (!summary.is_object()) return rows;
    for (const json& scenario : summary["scenarios"]) {
        for (const json& e : scenario["errors"]) {
            if (e["kind"] == kind) rows.push_back(e);
        }
    }
    return rows;
}

long ExtractErrors(const json& summary) { return summary["totals"]["errors_by_kind"].value("extract", 0L); }

// The target's per-order counts: every order must have been read, updated and deleted exactly once, except the
// last orders of virtual users whose iteration the end of the run cut (in step order, at most one per user).
void ExpectEveryOrderGotItsOwnFollowUps(const json& orders, int vusers = kVusers) {
    SCOPED_TRACE(orders.dump());
    EXPECT_EQ(orders["wrong_id"], 0) << "a follow-up carried an id that was not its create's (or an old one)";
    EXPECT_EQ(orders["empty_id"], 0);
    EXPECT_EQ(orders["id_mismatch"], 0) << "the PUT body's id differed from the path's";
    EXPECT_EQ(orders["bad_body"], 0);
    long complete = 0;
    long cut = 0;
    for (const auto& [lifecycle, n] : orders["lifecycles"].items()) {
        if (lifecycle == "get=1 update=1 delete=1") {
            complete += n.get<long>();
        } else if (lifecycle == "get=0 update=0 delete=0" || lifecycle == "get=1 update=0 delete=0" ||
                   lifecycle == "get=1 update=1 delete=0") {
            cut += n.get<long>();
        } else {
            ADD_FAILURE() << n << " orders with " << lifecycle;
        }
    }
    EXPECT_GT(complete, 20);
    EXPECT_EQ(complete + cut, orders["created"].get<long>());
    EXPECT_LE(cut, vusers);
}

TEST_F(CliCorrelatedTest, CrudFollowUpsHitTheIdTheirOwnCreateReturned) {
    const Outcome r = RunScript(WriteTempScenario(FlowScenario(kOrderLifecycle)), {"--agents", "2"});
    ASSERT_EQ(r.cli.exit_code, 0) << r.cli.out << r.cli.err;
    ASSERT_TRUE(r.summary.is_object()) << r.cli.err;
    EXPECT_EQ(ExtractErrors(r.summary), 0) << r.summary.dump(2);
    EXPECT_TRUE(ErrorRows(r.summary, "extract").empty()) << r.summary.dump(2);
    EXPECT_EQ(r.summary["totals"]["errors"], 0) << r.summary.dump(2);
    ASSERT_EQ(r.summary["agents"].size(), 2u);
    for (const json& agent : r.summary["agents"]) {
        EXPECT_GT(agent["totals"]["requests"].get<long>(), 0) << "both agents replayed the flow\n" << agent.dump();
    }
    ExpectEveryOrderGotItsOwnFollowUps(Flows("orders"));
}

TEST_F(CliCorrelatedTest, CsrfFormPostsTheTokenOfItsOwnPageWithTheSessionCookie) {
    const char* const form = R"lua(
s:task("form", function(self, http)
  local page = http:get("/form")
  local token = page.body:match('name="csrf" value="([%w%-]+)"')
  http:post("/form", { form = { csrf = token, text = "hi there" } })
end)
)lua";
    const Outcome r = RunScript(WriteTempScenario(FlowScenario(form)), {"--agents", "2"});
    ASSERT_EQ(r.cli.exit_code, 0) << r.cli.out << r.cli.err;
    EXPECT_EQ(ExtractErrors(r.summary), 0) << r.summary.dump(2);
    const json stats = Flows("form");
    EXPECT_EQ(stats["rejected"], 0) << stats.dump();
    EXPECT_GT(stats["accepted"].get<long>(), 20) << stats.dump();
    EXPECT_LE(stats["pages"].get<long>() - stats["accepted"].get<long>(), kVusers) << stats.dump();
    // The token travelled in the form body, percent-encoded with the text.
    const json bodies = target_.Stats()["bodies"]["POST /form"];
    ASSERT_FALSE(bodies.empty());
    EXPECT_NE(bodies[0].get<std::string>().find("text=hi%20there"), std::string::npos) << bodies[0];
}

TEST_F(CliCorrelatedTest, RedirectLocationIsFollowedByHandRelativeAndAbsolute) {
    const char* const redirect = R"lua(
s:task("relative", function(self, http)
  local r = http:post("/login-redirect", { expect = 303, redirects = 0 })
  http:get(r.headers["location"], { name = "GET /landing/{id}" })
end)
s:task("absolute", function(self, http)
  local r = http:post("/login-redirect?absolute=1", { expect = 303, redirects = 0, name = "POST /login-redirect (absolute)" })
  http:get(r.headers.location, { name = "GET /landing/{id}" })
end)
)lua";
    const Outcome r = RunScript(WriteTempScenario(FlowScenario(redirect)), {"--agents", "2"});
    ASSERT_EQ(r.cli.exit_code, 0) << r.cli.out << r.cli.err;
    EXPECT_EQ(ExtractErrors(r.summary), 0) << r.summary.dump(2);
    const json stats = Flows("redirect");
    SCOPED_TRACE(stats.dump());
    EXPECT_EQ(stats["unknown"], 0);
    EXPECT_EQ(stats["repeated"], 0);
    EXPECT_GT(stats["issued_absolute"].get<long>(), 5) << "the absolute variant ran";
    EXPECT_GT(stats["issued"].get<long>() - stats["issued_absolute"].get<long>(), 5) << "the relative one too";
    EXPECT_GT(stats["landed"].get<long>(), 20);
    EXPECT_LE(stats["issued"].get<long>() - stats["landed"].get<long>(), kVusers);
}

// The create answers without the id (?omit_id=1) or with HTML (?html=1); `mode` is the task's on_extract_error.
std::string BrokenCreate(const std::string& variant, const std::string& mode) {
    return FlowScenario(R"lua(
s:task("lifecycle", { on_extract_error = ")lua" + mode + R"lua(" }, function(self, http)
  local r = http:post("/api/v1/orders?)lua" + variant + R"lua(=1", { json = { sku = "A-1" }, expect = 201 })
  local id = r:json().id
  http:get("/api/v1/orders/" .. id, { name = "GET /api/v1/orders/{id}" })
  http:delete("/api/v1/orders/" .. id, { expect = 204, name = "DELETE /api/v1/orders/{id}" })
end)
)lua",
                        20, "2s");
}

// Every create failed extraction: counted as failed requests of kind extract on the create's name, with the first
// message kept; no request of the run succeeded, which the CLI reports as exit 8.
void ExpectExtractFailuresOnTheCreate(const Outcome& r, const std::string& message_part) {
    EXPECT_EQ(r.cli.exit_code, 8) << r.cli.out << r.cli.err;
    ASSERT_TRUE(r.summary.is_object()) << r.cli.err;
    const std::vector<json> rows = ErrorRows(r.summary, "extract");
    ASSERT_EQ(rows.size(), 1u) << r.summary.dump(2);
    EXPECT_EQ(rows[0]["scope"], "request") << rows[0];
    EXPECT_EQ(rows[0]["name"], "POST /api/v1/orders") << rows[0];
    const std::string message = rows[0]["message"];
    EXPECT_EQ(message.rfind("step 1 (POST /api/v1/orders): json $.id: ", 0), 0u) << message;
    EXPECT_NE(message.find(message_part), std::string::npos) << message;
    EXPECT_GT(rows[0]["count"].get<long>(), 10) << rows[0];
    EXPECT_EQ(ExtractErrors(r.summary), rows[0]["count"].get<long>()) << r.summary.dump(2);
    EXPECT_NE(r.cli.out.find("extract"), std::string::npos) << "the text summary names the kind\n" << r.cli.out;
}

TEST_F(CliCorrelatedTest, MissingFieldFailsTheCreateAndSkipsTheFollowUps) {
    const Outcome r = RunScript(WriteTempScenario(BrokenCreate("omit_id", "skip")), {"--agents", "2"});
    ExpectExtractFailuresOnTheCreate(r, "member");
    const json orders = Flows("orders");
    EXPECT_GT(orders["created_without_id"].get<long>(), 10) << orders.dump();
    EXPECT_EQ(orders["empty_id"], 0) << "skip sends none of the later steps";
    EXPECT_EQ(orders["wrong_id"], 0);
    EXPECT_EQ(Route("GET /api/v1/orders/"), 0);
    EXPECT_EQ(Route("GET /api/v1/orders/{id}"), 0);
    EXPECT_EQ(Route("DELETE /api/v1/orders/"), 0);
}

TEST_F(CliCorrelatedTest, BodyNotJsonFailsTheCreateAndSkipsTheFollowUps) {
    const Outcome r = RunScript(WriteTempScenario(BrokenCreate("html", "skip")), {"--agents", "1"});
    ExpectExtractFailuresOnTheCreate(r, "not JSON");
    EXPECT_GT(Flows("orders")["created_not_json"].get<long>(), 10);
    EXPECT_EQ(Flows("orders")["empty_id"], 0);
    EXPECT_EQ(Route("GET /api/v1/orders/"), 0);
}

TEST_F(CliCorrelatedTest, EmptyModeSendsTheFollowUpsWithAnEmptyValue) {
    const Outcome r = RunScript(WriteTempScenario(BrokenCreate("omit_id", "empty")), {"--agents", "1"});
    ExpectExtractFailuresOnTheCreate(r, "member");
    const json orders = Flows("orders");
    const long creates = orders["created_without_id"].get<long>();
    // Each create's GET and DELETE went out with an empty id (a cut last iteration may miss them).
    EXPECT_EQ(Route("GET /api/v1/orders/") + Route("DELETE /api/v1/orders/"), orders["empty_id"].get<long>());
    EXPECT_GE(Route("GET /api/v1/orders/"), creates - kVusers) << orders.dump();
    EXPECT_GE(Route("DELETE /api/v1/orders/"), creates - kVusers) << orders.dump();
    EXPECT_EQ(orders["wrong_id"], 0);
    EXPECT_EQ(Route("GET /api/v1/orders/{id}"), 0);
}

TEST_F(CliCorrelatedTest, ExampleRunsDistributedWithoutErrors) {
    const Outcome r = RunScript(kExample, {"--agents", "2", "--duration", "3s"});
    ASSERT_EQ(r.cli.exit_code, 0) << r.cli.out << r.cli.err;
    EXPECT_EQ(r.summary["totals"]["errors"], 0) << r.summary.dump(2);
    ExpectEveryOrderGotItsOwnFollowUps(Flows("orders"), kExampleVusers);
    EXPECT_EQ(Flows("form")["rejected"], 0);
    EXPECT_GT(Flows("form")["accepted"].get<long>(), 0);
    EXPECT_EQ(Flows("redirect")["unknown"], 0);
    EXPECT_EQ(Flows("redirect")["repeated"], 0);
    EXPECT_GT(Flows("redirect")["issued_absolute"].get<long>(), 0);
}

// Regression check: correlation is a capture feature; on one node Lua reads the real responses as before.
TEST_F(CliCorrelatedTest, ExampleRunsOnASingleNodeWithoutErrors) {
    const Outcome r = RunScript(kExample, {"--duration", "3s"});
    ASSERT_EQ(r.cli.exit_code, 0) << r.cli.out << r.cli.err;
    EXPECT_EQ(r.summary["totals"]["errors"], 0) << r.summary.dump(2);
    EXPECT_FALSE(r.summary.value("run", json::object()).value("distributed", false));
    ExpectEveryOrderGotItsOwnFollowUps(Flows("orders"), kExampleVusers);
    EXPECT_EQ(Flows("form")["rejected"], 0);
    EXPECT_EQ(Flows("redirect")["unknown"], 0);
    EXPECT_EQ(Flows("redirect")["repeated"], 0);
}

TEST_F(CliCorrelatedTest, DryRunPrintsTheExtractionRules) {
    const CliResult r = RunLsengine({"run", kExample, "--target", Target(), "--agents", "1", "--dry-run"});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    const std::string all = r.out + r.err;
    // Each rule sits under the request whose response it reads; later requests show the value as {label}.
    EXPECT_NE(all.find("/api/v1/orders\n        id ← step 1 json $.id\n"), std::string::npos) << all;
    EXPECT_NE(all.find("GET " + Target() + "/api/v1/orders/{id}\n"), std::string::npos) << all;
    EXPECT_NE(all.find(R"(body: {"id":{id},"qty":2})"), std::string::npos) << "a JSON value keeps its type\n" << all;
    EXPECT_NE(all.find("match ← step 1 body match 'name=\"csrf\" value=\"([%w%-]+)\"'"), std::string::npos) << all;
    EXPECT_NE(all.find("body: csrf={match}&text=hello"), std::string::npos) << all;
    EXPECT_NE(all.find("location ← step 1 header location"), std::string::npos) << all;
    EXPECT_NE(all.find("location_2 ← step 3 header location"), std::string::npos) << all;
    EXPECT_EQ(Route("POST /api/v1/orders"), 0) << "capture sends nothing";
}

TEST_F(CliCorrelatedTest, BranchingOnAResponseValueFailsTheDryRunNamingTaskAndLine) {
    const std::string script = WriteTempScenario(FlowScenario(R"lua(
s:task("conditional", function(self, http)
  local r = http:post("/api/v1/orders", { json = { sku = "A-1" } })
  if r.status == 201 then
    http:get("/api/v1/orders/" .. r:json().id)
  end
end)
)lua"));
    const CliResult r = RunLsengine({"run", script, "--target", Target(), "--agents", "1", "--dry-run"});
    EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
    const std::string all = r.out + r.err;
    EXPECT_NE(all.find("task 'conditional' (" + script + ":3) branches on a response value at " + script + ":5"),
              std::string::npos)
        << "the task, its line and the comparison's line\n"
        << all;
}

}  // namespace
}  // namespace lse::testing
