// POST /runs bodies -> the `lsengine run` command line: every option maps to its flag in --flag=value form, the
// service's own flags cannot be overridden, and every bad body is refused with the key it is about.

#include "run_request.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "lse/core/errors.hpp"

namespace lse::service {
namespace {

std::string Refusal(const std::string& body) {
    try {
        ParseRunRequest(body);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

bool Has(const std::vector<std::string>& argv, const std::string& arg) {
    return std::find(argv.begin(), argv.end(), arg) != argv.end();
}

TEST(RunRequest, OptionsBecomeFlagsWithTheirValuesAttached) {
    const RunRequest r = ParseRunRequest(R"({"script":"-- lua\n", "target":"http://t:1", "duration":"30s",
        "rps":200, "vusers":8, "thresholds":["p95 < 200ms","error_rate < 1%"], "scenario":["a","b"],
        "allow_script_errors":true, "insecure":false, "env":{"API_KEY":"s3 \"q\"\nx"}})");
    EXPECT_EQ(r.script, "-- lua\n");
    EXPECT_EQ(r.agents, 0);
    const std::vector<std::string> want = {"--target=http://t:1", "--duration=30s", "--rps=200", "--vusers=8",
                                           "--threshold=p95 < 200ms", "--threshold=error_rate < 1%",
                                           "--scenario=a,b", "--allow-script-errors"};
    for (const std::string& w : want) EXPECT_TRUE(Has(r.args, w)) << w;
    EXPECT_FALSE(Has(r.args, "--insecure"));  // false: the flag is left out
    EXPECT_EQ(r.args.size(), want.size());
    ASSERT_EQ(r.env.size(), 1u);
    EXPECT_EQ(EnvFileText(r.env), "API_KEY=\"s3 \\\"q\\\"\\nx\"\n");
}

TEST(RunRequest, ArgvCarriesTheServicesOutputsAndTheBrokerOnlyWithAgents) {
    RunRequest r = ParseRunRequest(R"({"script":"x", "duration":"2s"})");
    const RunFiles files{"/data/run-1"};
    const BrokerAccess broker{"nats://127.0.0.1:4222", "svc"};
    std::vector<std::string> argv = RunArgv("/bin/lsengine", r, files, broker, 9100);
    const std::vector<std::string> head = {"/bin/lsengine", "run", "/data/run-1/script.lua", "--quiet",
                                           "--out=ndjson=/data/run-1/events.ndjson",
                                           "--summary-json=/data/run-1/summary.json",
                                           "--report=/data/run-1/report.html", "--prometheus=127.0.0.1:9100"};
    ASSERT_GE(argv.size(), head.size());
    EXPECT_TRUE(std::equal(head.begin(), head.end(), argv.begin()));
    EXPECT_EQ(argv.back(), "--duration=2s");
    EXPECT_FALSE(std::any_of(argv.begin(), argv.end(), [](const std::string& a) { return a.find("nats") != std::string::npos; }));

    r = ParseRunRequest(R"({"script_path":"/srv/shop.lua", "agents":3, "agent_group":"eu"})");
    argv = RunArgv("/bin/lsengine", r, files, broker, 9100);
    EXPECT_EQ(argv[2], "/srv/shop.lua");
    EXPECT_TRUE(Has(argv, "--external-agents=3"));
    EXPECT_TRUE(Has(argv, "--nats-url=nats://127.0.0.1:4222"));
    EXPECT_TRUE(Has(argv, "--cluster-id=svc"));
    EXPECT_TRUE(Has(argv, "--agent-group=eu"));
    EXPECT_THROW(RunArgv("/bin/lsengine", r, files, BrokerAccess{}, 9100), UsageError);
}

TEST(RunRequest, AValueThatLooksLikeAFlagStaysAValue) {
    const RunRequest r = ParseRunRequest(R"({"script":"x", "target":"--report=/etc/passwd"})");
    ASSERT_EQ(r.args.size(), 1u);
    EXPECT_EQ(r.args[0], "--target=--report=/etc/passwd");  // CLI11 splits at the first '=': it is --target's
}

TEST(RunRequest, BadBodiesAreRefusedNamingTheKey) {
    EXPECT_NE(Refusal("{not json").find("not valid JSON"), std::string::npos);
    EXPECT_NE(Refusal("[1]").find("JSON object"), std::string::npos);
    EXPECT_NE(Refusal(R"({"target":"x"})").find("'script'"), std::string::npos);
    EXPECT_NE(Refusal(R"({"script":"a","script_path":"/b"})").find("exactly one"), std::string::npos);
    EXPECT_NE(Refusal(R"({"script_path":"rel.lua"})").find("'script_path': expected an absolute path"),
              std::string::npos);
    EXPECT_NE(Refusal(R"({"script":"x","durtion":"1s"})").find("'durtion': unknown option"), std::string::npos);
    EXPECT_NE(Refusal(R"({"script":"x","duration":true})").find("'duration': expected a string or a number"),
              std::string::npos);
    EXPECT_NE(Refusal(R"({"script":"x","target":"a\nb"})").find("'target': control characters"), std::string::npos);
    EXPECT_NE(Refusal(R"({"script":"x","thresholds":[1]})").find("'thresholds': expected an array of strings"),
              std::string::npos);
    EXPECT_NE(Refusal(R"({"script":"x","agents":0})").find("'agents'"), std::string::npos);
    EXPECT_NE(Refusal(R"({"script":"x","agents":"2"})").find("'agents'"), std::string::npos);
    EXPECT_NE(Refusal(R"({"script":"x","env":{"1A":"v"}})").find("'env.1A'"), std::string::npos);
    EXPECT_NE(Refusal(R"({"script":"x","env":{"A":1}})").find("'env.A': expected a string"), std::string::npos);
    EXPECT_NE(Refusal(R"({"script":"x","insecure":"yes"})").find("'insecure': expected true or false"),
              std::string::npos);
    // The service's own flags are not options a request may set.
    EXPECT_NE(Refusal(R"({"script":"x","report":"/tmp/x.html"})").find("'report': unknown option"), std::string::npos);
    EXPECT_NE(Refusal(R"({"script":"x","nats_url":"nats://evil"})").find("'nats_url': unknown option"),
              std::string::npos);
}

}  // namespace
}  // namespace lse::service
