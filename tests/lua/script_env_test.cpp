// The script's environment (-e, --env-file: lsengine.env and os.getenv) and `require` next to the script (issue 15).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <lua.hpp>
#include <memory>
#include <string>

#include "lse/core/errors.hpp"
#include "lse/core/redact.hpp"
#include "lse/lua/script_env.hpp"
#include "lse/lua/script_state.hpp"
#include "lua_test_util.hpp"

namespace lse::lua {
namespace {

using testing::TempScripts;

constexpr char kMinimalScenario[] = R"(
local s = scenario { name = "s" }
s:task("t", function(self, http) end)
)";

std::string UsageMessage(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const UsageError& e) {
        return e.what();
    }
    return "(no UsageError)";
}

// Evaluates `expr` in the loaded state and returns it as a string (nil -> "nil").
std::string Eval(const ScriptState& state, const std::string& expr) {
    lua_State* L = state.L();
    if (luaL_dostring(L, ("return tostring(" + expr + ")").c_str()) != 0) {
        std::string err = lua_tostring(L, -1);
        lua_pop(L, 1);
        return "error: " + err;
    }
    std::string out = lua_tostring(L, -1);
    lua_pop(L, 1);
    return out;
}

TEST(ScriptEnvText, CommentsQuotesExportAndLaterWins) {
    ScriptEnv env;
    ParseEnvText("# credentials for the staging run\n"
                 "\n"
                 "BASE_PATH = /api/v1   # trailing comment\n"
                 "export API_TOKEN=abc#def\n"
                 "GREETING=\"hello \\\"you\\\"\\n\"\n"
                 "RAW='$HOME \\n stays'\n"
                 "EMPTY=\n"
                 "BASE_PATH=/api/v2\r\n",
                 "vars.env", &env);
    EXPECT_EQ(env.values.at("BASE_PATH"), "/api/v2");
    EXPECT_EQ(env.values.at("API_TOKEN"), "abc#def") << "a '#' inside a value is not a comment";
    EXPECT_EQ(env.values.at("GREETING"), "hello \"you\"\n");
    EXPECT_EQ(env.values.at("RAW"), "$HOME \\n stays");
    EXPECT_EQ(env.values.at("EMPTY"), "");
    EXPECT_EQ(env.values.size(), 5u);
}

TEST(ScriptEnvText, ErrorsNameFileAndLine) {
    ScriptEnv env;
    EXPECT_EQ(UsageMessage([&] { ParseEnvText("A=1\njust words\n", "vars.env", &env); }),
              "vars.env:2: expected KEY=VALUE, got 'just words'");
    EXPECT_EQ(UsageMessage([&] { ParseEnvText("\n\n1ABC=x\n", "vars.env", &env); }),
              "vars.env:3: '1ABC' is not a valid name (letters, digits and _, not starting with a digit)");
    EXPECT_EQ(UsageMessage([&] { ParseEnvText("A=\"open\n", "vars.env", &env); }),
              "vars.env:1: the value's closing \" is missing");
    EXPECT_EQ(UsageMessage([&] { ParseEnvText("A='x' y\n", "vars.env", &env); }),
              "vars.env:1: unexpected text after the quoted value: 'y'");
}

TEST(ScriptEnvText, AssignmentFlagAndMissingFile) {
    ScriptEnv env;
    AddEnvAssignment("URL=http://h/?a=b", "-e", &env);
    EXPECT_EQ(env.values.at("URL"), "http://h/?a=b") << "the value is everything after the first '='";
    EXPECT_EQ(UsageMessage([&] { AddEnvAssignment("NOVALUE", "-e", &env); }),
              "-e NOVALUE: expected KEY=VALUE (e.g. -e API_TOKEN=abc)");
    EXPECT_EQ(UsageMessage([&] { AddEnvAssignment("A-B=1", "-e", &env); }),
              "-e: 'A-B' is not a valid name (letters, digits and _, not starting with a digit)");
    EXPECT_EQ(UsageMessage([&] { ReadEnvFile("/nonexistent/vars.env", &env); }).rfind(
                  "--env-file /nonexistent/vars.env: cannot read", 0),
              0u);
}

TEST(ScriptEnvText, SecretKeysByNameAndByRedact) {
    ScriptEnv env;
    env.redact_keys = {"CUSTOMER_ID"};
    EXPECT_TRUE(env.IsSecret("API_TOKEN"));
    EXPECT_TRUE(env.IsSecret("db_password"));
    EXPECT_TRUE(env.IsSecret("CUSTOMER_ID"));
    EXPECT_FALSE(env.IsSecret("BASE_URL"));
}

TEST(ScriptEnvState, LsengineEnvIsReadOnlyAndOsGetenvSeesItFirst) {
    TempScripts dir;
    const std::string path = dir.Write("env.lua", std::string(kMinimalScenario) + "FROM_TOP = lsengine.env.REGION\n");
    auto env = std::make_shared<ScriptEnv>();
    env->values = {{"REGION", "eu-1"}, {"HOME", "/from/env-file"}};
    ScriptLoadOptions options;
    options.env = env;
    ScriptState state(path, std::move(options));
    EXPECT_EQ(Eval(state, "FROM_TOP"), "eu-1") << "the file's top level reads it";
    EXPECT_EQ(Eval(state, "lsengine.env.MISSING"), "nil");
    EXPECT_EQ(Eval(state, "os.getenv('REGION')"), "eu-1");
    EXPECT_EQ(Eval(state, "os.getenv('HOME')"), "/from/env-file") << "-e/--env-file win over the process";
    ASSERT_NE(std::getenv("PATH"), nullptr);
    EXPECT_EQ(Eval(state, "os.getenv('PATH')"), std::getenv("PATH")) << "the rest of the process environment";
    EXPECT_NE(Eval(state, "(function() lsengine.env.REGION = 'x' end)()").find("lsengine.env is read-only"),
              std::string::npos);
    EXPECT_EQ(Eval(state, "lsengine.env.REGION"), "eu-1");
    EXPECT_EQ(Eval(state, "getmetatable(lsengine.env)"), "false") << "its values table is out of reach";
}

TEST(ScriptEnvState, WithoutEnvTheTableIsEmpty) {
    TempScripts dir;
    ScriptState state(dir.Write("plain.lua", kMinimalScenario), {});
    EXPECT_EQ(Eval(state, "type(lsengine.env)"), "table");
    EXPECT_EQ(Eval(state, "lsengine.env.PATH"), "nil") << "only -e/--env-file values, not the process's";
}

TEST(ScriptRequire, ModulesResolveAgainstTheScriptsDirectory) {
    TempScripts dir;
    std::filesystem::create_directories(std::filesystem::path(dir.Write("x", "")).parent_path() / "lib" / "util");
    dir.Write("lib/greet.lua", "return { hello = function(n) return 'hello ' .. n end }\n");
    dir.Write("lib/util/init.lua", "return { twice = function(n) return 2 * n end }\n");
    const std::string path = dir.Write("main.lua", std::string(kMinimalScenario) +
                                                       "local greet = require 'lib.greet'\n"
                                                       "local util = require 'lib.util'\n"
                                                       "RESULT = greet.hello('vu') .. ' ' .. util.twice(21)\n");
    // The test runs in the build directory: Lua's default path ("./?.lua") cannot find lib/greet.lua from there.
    ASSERT_FALSE(std::filesystem::exists("lib/greet.lua"));
    ScriptState state(path, {});
    EXPECT_EQ(Eval(state, "RESULT"), "hello vu 42");
}

TEST(ScriptRequire, MissingModuleSaysWhereItLooked) {
    TempScripts dir;
    const std::string path = dir.Write("main.lua", std::string(kMinimalScenario) + "require 'lib.nothere'\n");
    try {
        ScriptState state(path, {});
        FAIL() << "loaded";
    } catch (const ScriptError& e) {
        const std::string msg = e.what();
        EXPECT_NE(msg.find(ScriptDirectory(path) + "/lib/nothere.lua"), std::string::npos) << msg;
    }
}

TEST(ScriptRequire, ScriptDirectory) {
    EXPECT_EQ(ScriptDirectory("/a/b/c.lua"), "/a/b");
    EXPECT_EQ(ScriptDirectory("c.lua"), ".");
    EXPECT_EQ(ScriptDirectory("/c.lua"), "/");
    EXPECT_EQ(ScriptDirectory("rel/c.lua"), "rel");
}

TEST(ScriptEnvSecrets, RegisterOnlySecretKeysLongEnough) {
    ClearSecretValues();
    ScriptEnv env;
    env.values = {{"API_TOKEN", "tok-abcdef"}, {"BASE_URL", "http://h"}, {"PIN_CODE", "12"}, {"MY_AUTH", "xyz"}};
    env.redact_keys = {"PIN_CODE"};
    const std::vector<std::string> too_short = RegisterEnvSecrets(env);
    EXPECT_EQ(too_short, (std::vector<std::string>{"MY_AUTH", "PIN_CODE"}));
    EXPECT_EQ(RedactSecretValues("t=tok-abcdef u=http://h"), "t=*** u=http://h");
    ClearSecretValues();
}

}  // namespace
}  // namespace lse::lua
