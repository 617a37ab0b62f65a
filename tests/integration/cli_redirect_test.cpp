// Redirects (issue 15 item 1), with the demo target as referee (tests/demo_target/src/redirect_routes.hpp): it logs
// every hop with its method, body, Cookie and whether Authorization came, so each test checks at the target that a
// chain's hops each arrived exactly once per iteration, with RFC 9110's method and body, the cookie jar's cookies
// and no credentials on another origin. The same script runs in Lua on one node and replayed natively by an agent.
// Every load is bounded: an open model of 15 arrivals per second for 1 s.

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "distributed_test_util.hpp"
#include "lse/testing/temp_files.hpp"

namespace lse::testing {
namespace {

using nlohmann::json;

class CliRedirectTest : public CliDistributedTest {
protected:
    void SetUp() override {
        CliDistributedTest::SetUp();
        other_.Start();
    }

    struct Outcome {
        CliResult cli;
        json summary;
    };
    Outcome Run(const std::string& script, std::vector<std::string> extra = {}) {
        const std::string summary_path = TempPath("lse-test-redirect-summary", ".json");
        std::remove(summary_path.c_str());
        std::vector<std::string> args = {"run", WriteTempScenario(script), "--target", Target(), "-q",
                                         "--summary-json", summary_path};
        args.insert(args.end(), extra.begin(), extra.end());
        Outcome o{RunLsengine(args), nullptr};
        std::ifstream in(summary_path);
        if (in) o.summary = json::parse(in, nullptr, false);
        std::remove(summary_path.c_str());
        return o;
    }

    DemoTargetProcess other_;  // another origin (another port): credentials must not reach it
};

// Hops logged by a target whose key ("GET /redirect/echo auth=yes cookie=hop=c1 body=") starts with `prefix` and
// contains `part`.
long Hops(const json& stats, const std::string& prefix, const std::string& part = "") {
    long n = 0;
    for (const auto& [key, count] : stats["redirect_hops"].items()) {
        if (key.rfind(prefix, 0) == 0 && key.find(part) != std::string::npos) n += count.get<long>();
    }
    return n;
}

// Every rule, one request each, in one task. The hop to the other origin (127.0.0.1:other_port) is absolute.
std::string HopsScript(const std::string& other_port, bool with_checks) {
    std::string s = "local s = scenario { name = 'hops', rps = 15, vusers = 3, duration = '1s' }\n"
                    "s:task('hops', function(self, http)\n"
                    "  local chain = http:get('/redirect/chain/3', { name = 'chain' })\n"
                    "  local see_other = http:post('/redirect/to?status=303&url=/redirect/echo', { body = 'payload', "
                    "name = 'post 303' })\n"
                    "  local temporary = http:put('/redirect/to?status=307&url=/redirect/echo', { body = 'kept', "
                    "name = 'put 307' })\n"
                    "  local cookie = http:get('/redirect/to?cookie=c1&url=/redirect/echo', { headers = { "
                    "Authorization = 'Bearer same' }, name = 'cookie' })\n"
                    "  local cross = http:get('/redirect/to?port=" + other_port + "&url=/redirect/echo', { headers = { "
                    "Authorization = 'Bearer cross' }, name = 'cross' })\n"
                    "  local kept = http:get('/redirect/chain/1', { redirects = 0, name = 'not followed' })\n";
    if (with_checks) {
        s += "  check('chain: final url and count', chain.url == target_url .. '/redirect/chain/0' and "
             "chain.redirects == 3 and chain.status == 200)\n"
             "  check('303: GET without the body', see_other:json().method == 'GET' and see_other:json().body == '')\n"
             "  check('307: PUT with the body', temporary:json().method == 'PUT' and temporary:json().body == 'kept')\n"
             "  check('cookie and same-origin Authorization', cookie:json().cookie == 'hop=c1' and "
             "cookie:json().authorization == 'Bearer same')\n"
             "  check('cross-origin: no Authorization', cross:json().authorization == '' and cross.redirects == 1)\n"
             "  check('redirects = 0: the 302 itself', kept.status == 302 and kept.redirects == 0 and kept.ok)\n";
    }
    s += "end)\n";
    return s;
}

// At the target: per iteration (N = the chains started), each hop exactly once, with the right method and body.
void ExpectHopsAtTheTargets(const json& main, const json& other) {
    SCOPED_TRACE(main.dump() + "\nother: " + other.dump());
    const long n = Hops(main, "GET /redirect/chain/3 ");
    EXPECT_GE(n, 10) << "about 15 iterations";
    for (const char* hop : {"GET /redirect/chain/2 ", "GET /redirect/chain/0 "}) EXPECT_EQ(Hops(main, hop), n) << hop;
    // chain/1: once in the chain, once more by the request with redirects = 0 (which stopped there).
    EXPECT_EQ(Hops(main, "GET /redirect/chain/1 "), 2 * n);
    // 303 after a POST: the POST with its body, then a GET without one; 307 after a PUT: the PUT again, with it.
    EXPECT_EQ(Hops(main, "POST /redirect/to ", "body=payload"), n);
    EXPECT_EQ(Hops(main, "PUT /redirect/to ", "body=kept"), n);
    EXPECT_EQ(Hops(main, "PUT /redirect/echo ", "body=kept"), n);
    EXPECT_EQ(Hops(main, "POST /redirect/echo"), 0);
    // The same origin keeps Authorization, and the hop carries the cookie the first response set.
    EXPECT_EQ(Hops(main, "GET /redirect/echo auth=yes cookie=hop=c1 body="), n);
    EXPECT_EQ(Hops(main, "GET /redirect/echo auth=yes"), n);
    // GET echo: the 303's hop and the cookie's.
    EXPECT_EQ(Hops(main, "GET /redirect/echo "), 2 * n);
    // The other origin: one hop per iteration, never with the Authorization given for the first.
    EXPECT_EQ(Hops(other, "GET /redirect/echo auth=no"), n);
    EXPECT_EQ(Hops(other, "GET /redirect/echo auth=yes"), 0);
    // (Cookies are per host, not per port (RFC 6265): the other port may get the jar's hop=c1, as in a browser.)
}

// The summary's row for request `name`: requests and per-status counts.
json RequestRow(const json& summary, const std::string& name) {
    for (const json& scenario : summary["scenarios"]) {
        for (const json& request : scenario["requests"]) {
            if (request["name"] == name) return request;
        }
    }
    return nullptr;
}

// Failed checks (all scenarios), and how many were counted at all.
long ChecksFailed(const json& summary, long* counted) {
    long fails = 0;
    *counted = 0;
    for (const json& scenario : summary["scenarios"]) {
        for (const json& c : scenario["checks"]) {
            fails += c["fails"].get<long>();
            *counted += c["fails"].get<long>() + c["passes"].get<long>();
        }
    }
    return fails;
}

TEST_F(CliRedirectTest, LuaFollowsEachHopOnceWithTheRulesAndCountsEveryHop) {
    const std::string script = "local target_url = '" + Target() + "'\n" + HopsScript(std::to_string(other_.Port()), /*with_checks=*/true);
    const Outcome r = Run(script);
    ASSERT_EQ(r.cli.exit_code, 0) << r.cli.out << r.cli.err;
    ASSERT_TRUE(r.summary.is_object()) << r.cli.err;
    EXPECT_EQ(r.summary["totals"]["errors"], 0) << r.summary.dump(2);
    long checks = 0;
    EXPECT_EQ(ChecksFailed(r.summary, &checks), 0) << r.summary.dump(2);
    EXPECT_GT(checks, 0);
    const json main = target_.Stats();
    ExpectHopsAtTheTargets(main, other_.Stats());
    // Every hop is a request of its own under the request's name, with its own status.
    const long n = Hops(main, "GET /redirect/chain/3 ");
    const json chain = RequestRow(r.summary, "chain");
    ASSERT_FALSE(chain.is_null()) << r.summary.dump(2);
    EXPECT_EQ(chain["requests"].get<long>(), 4 * n) << chain.dump();
    EXPECT_EQ(chain["statuses"]["302"].get<long>(), 3 * n) << chain.dump();
    EXPECT_EQ(chain["statuses"]["200"].get<long>(), n) << chain.dump();
}

TEST_F(CliRedirectTest, AnAgentReplaysTheHopsNatively) {
    const Outcome r = Run(HopsScript(std::to_string(other_.Port()), /*with_checks=*/false), {"--agents", "1"});
    ASSERT_EQ(r.cli.exit_code, 0) << r.cli.out << r.cli.err;
    ASSERT_TRUE(r.summary.is_object()) << r.cli.err;
    EXPECT_EQ(r.summary["totals"]["errors"], 0) << r.summary.dump(2);
    ExpectHopsAtTheTargets(target_.Stats(), other_.Stats());
}

// Past the limit the last redirect is the response and the request fails (kStatus) with a message naming the fix;
// --max-redirects (or the scenario's redirects) sets the default, a request's redirects = wins.
TEST_F(CliRedirectTest, TooManyRedirectsFailWithAMessageAndTheLimitsApply) {
    for (const std::string& where : {std::string("lua"), std::string("agent")}) {
        SCOPED_TRACE(where);
        // (Agents do not evaluate check(): the check is Lua's.)
        const std::string script =
            "local s = scenario { name = 'hops', rps = 10, vusers = 2, duration = '1s', redirects = 5 }\n"
            "s:task('loop', function(self, http)\n"
            "  local r = http:get('/redirect/loop', { name = 'loop' })\n" +
            std::string(where == "lua" ? "  check('the last redirect is the response', r.status == 302 and not r.ok "
                                         "and r.redirects == 2)\n"
                                       : "") +
            "  http:get('/redirect/chain/4', { name = 'chain', redirects = 4 })\n"
            "end)\n";
        target_.ResetStats();
        std::vector<std::string> extra = {"--max-redirects", "2"};
        if (where == "agent") extra.insert(extra.end(), {"--agents", "1"});
        const Outcome r = Run(script, extra);
        ASSERT_TRUE(r.summary.is_object()) << r.cli.out << r.cli.err;
        const json stats = target_.Stats();
        const long n = Hops(stats, "GET /redirect/chain/4 ");
        EXPECT_GE(n, 5) << stats.dump();
        // The loop: the first request and 2 hops, then it stopped; the chain's own limit (4) took it to the end.
        EXPECT_EQ(Hops(stats, "GET /redirect/loop "), 3 * n) << stats.dump();
        EXPECT_EQ(Hops(stats, "GET /redirect/chain/0 "), n) << stats.dump();
        EXPECT_EQ(r.summary["totals"]["errors_by_kind"].value("status", 0L), n) << r.summary.dump(2);
        long checks = 0;
        if (where == "lua") {
            EXPECT_EQ(ChecksFailed(r.summary, &checks), 0) << r.summary.dump(2);
            EXPECT_EQ(checks, n);
        }
        EXPECT_NE(r.summary.dump().find("stopped after 2 redirects (the limit)"), std::string::npos)
            << r.summary.dump(2);
    }
}

// URL mode follows too (no cookie jar there): a 307 keeps the POST and its body; --max-redirects 0 sends the one request.
TEST_F(CliRedirectTest, UrlModeFollowsAndMaxRedirectsZeroDoesNot) {
    const std::string url = Target() + "/redirect/to?status=307&url=/redirect/echo";
    const CliResult followed =
        RunLsengine({"url", url, "-X", "POST", "--body", "hello", "--rps", "10", "--duration", "1s", "-q"});
    ASSERT_EQ(followed.exit_code, 0) << followed.out << followed.err;
    json stats = target_.Stats();
    const long n = Hops(stats, "POST /redirect/to ", "body=hello");
    EXPECT_GE(n, 5) << stats.dump();
    EXPECT_EQ(Hops(stats, "POST /redirect/echo ", "body=hello"), n) << stats.dump();
    EXPECT_EQ(Hops(stats, "GET /redirect/echo"), 0) << stats.dump();

    target_.ResetStats();
    const CliResult kept = RunLsengine({"url", url, "-X", "POST", "--body", "hello", "--rps", "10", "--duration", "1s",
                                        "-q", "--max-redirects", "0"});
    ASSERT_EQ(kept.exit_code, 0) << kept.out << kept.err;
    stats = target_.Stats();
    EXPECT_GE(Hops(stats, "POST /redirect/to "), 5) << stats.dump();
    EXPECT_EQ(Hops(stats, "POST /redirect/echo"), 0) << stats.dump();

    const CliResult bad = RunLsengine({"url", url, "--max-redirects", "101", "--duration", "1s"});
    EXPECT_EQ(bad.exit_code, 2) << bad.out << bad.err;
    EXPECT_NE((bad.out + bad.err).find("--max-redirects"), std::string::npos) << bad.out << bad.err;
}

}  // namespace
}  // namespace lse::testing
