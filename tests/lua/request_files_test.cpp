// The `files` request option (multipart/form-data, issue 15 item 3): what ReadRequestArgs builds from it and how
// it refuses what cannot work.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>

#include <unistd.h>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

#include "load_context.hpp"
#include "lse/core/clock.hpp"
#include "lse/lua/plan_capture.hpp"
#include "lse/lua/shared_store.hpp"
#include "request_options.hpp"

namespace lse::lua {
namespace {

class RequestFilesTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("lse_request_files_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) +
                "_" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_ / "assets");
        L_ = luaL_newstate();
        luaL_openlibs(L_);
        ctx_.path = (dir_ / "scenario.lua").string();  // file parts resolve against the script's directory
        detail::SetContext(L_, &ctx_);
    }
    void TearDown() override {
        lua_close(L_);
        std::filesystem::remove_all(dir_);
    }
    void Write(const std::string& name, const std::string& bytes) {
        std::ofstream(dir_ / name, std::ios::binary) << bytes;
    }
    // Evaluates `args` (path, opts) and reads them as http:post's arguments; "" or the error message.
    std::string Read(const std::string& args, RequestSpec* spec) {
        lua_settop(L_, 0);
        if (luaL_dostring(L_, ("return " + args).c_str()) != 0) return lua_tostring(L_, -1);
        spec->method = http::Method::kPost;
        try {
            ReadRequestArgs(L_, 1, 2, http::ParseUrl("http://127.0.0.1:9/"), "http:post", spec);
        } catch (const std::exception& e) {
            return e.what();
        }
        return "";
    }
    static std::string HeaderOf(const RequestSpec& s, std::string_view name) {
        std::string out = "<none>";
        for (const auto& h : s.headers) {
            if (http::HeaderNameEquals(h.first, name)) out = out == "<none>" ? h.second : "<repeated>";
        }
        return out;
    }

    std::filesystem::path dir_;
    detail::LoadContext ctx_;
    lua_State* L_ = nullptr;
};

TEST_F(RequestFilesTest, FieldsAndFilePartsBuildAMultipartBody) {
    const std::string png("\x89PNG\r\n\x1a\n\0\0", 10);
    Write("assets/a.png", png);
    RequestSpec s;
    ASSERT_EQ(Read(R"("/upload", { files = {
                     note = "hello", count = 3,
                     avatar = { path = "assets/a.png", content_type = "image/png" },
                     raw = { path = "assets/a.png", filename = "renamed.bin" },
                     inline = { content = "a,b\n1,2\n", content_type = "text/csv" } } })",
                   &s),
              "");
    const std::string type = HeaderOf(s, "content-type");
    ASSERT_EQ(type.rfind("multipart/form-data; boundary=", 0), 0u) << type;
    const std::string b = type.substr(std::string("multipart/form-data; boundary=").size());
    const std::string d = "--" + b + "\r\nContent-Disposition: form-data; name=";
    // Parts in name order, whatever order the table iterates in.
    EXPECT_EQ(s.body, d + "\"avatar\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n" + png + "\r\n" +
                          d + "\"count\"\r\n\r\n3\r\n" +
                          d + "\"inline\"; filename=\"inline\"\r\nContent-Type: text/csv\r\n\r\na,b\n1,2\n\r\n" +
                          d + "\"note\"\r\n\r\nhello\r\n" +
                          d + "\"raw\"; filename=\"renamed.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n" +
                          png + "\r\n--" + b + "--\r\n");
}

// A list gives several parts of one name (<input type="file" multiple>), in list order, among the others by name.
TEST_F(RequestFilesTest, AListIsSeveralPartsOfOneNameInListOrder) {
    Write("b.txt", "B");
    RequestSpec s;
    ASSERT_EQ(Read(R"("/u", { files = { z = "last", a = "first",
                     photos = { { content = "2", filename = "two.txt" }, { path = "b.txt" }, "text" } } })",
                   &s),
              "");
    ASSERT_EQ(s.multipart_used, 5u);
    const char* names[] = {"a", "photos", "photos", "photos", "z"};
    for (std::size_t i = 0; i < 5; ++i) EXPECT_EQ(s.multipart_parts[i].name, names[i]) << i;
    EXPECT_EQ(s.multipart_parts[1].filename, "two.txt");
    EXPECT_EQ(s.multipart_parts[2].filename, "b.txt");
    EXPECT_FALSE(s.multipart_parts[3].is_file);
    const auto at = [&](const std::string& text) { return s.body.find(text); };
    EXPECT_LT(at("filename=\"two.txt\""), at("filename=\"b.txt\""));
    EXPECT_LT(at("filename=\"b.txt\""), at("\r\n\r\ntext\r\n"));
}

TEST_F(RequestFilesTest, EachFileIsReadOncePerProcess) {
    Write("once.txt", "first");
    RequestSpec s;
    const std::size_t before = http::UploadFileCache::Process().Reads();
    ASSERT_EQ(Read(R"("/u", { files = { f = { path = "once.txt" } } })", &s), "");
    Write("once.txt", "changed on disk");  // requests keep sending what was read the first time
    for (int i = 0; i < 3; ++i) {
        ASSERT_EQ(Read(R"("/u", { files = { f = { path = "once.txt" } } })", &s), "");
        EXPECT_NE(s.body.find("\r\n\r\nfirst\r\n"), std::string::npos);
    }
    EXPECT_EQ(http::UploadFileCache::Process().Reads(), before + 1);
}

TEST_F(RequestFilesTest, AReusedSpecForgetsTheParts) {
    RequestSpec s;
    ASSERT_EQ(Read(R"("/u", { files = { a = "1", b = "2" } })", &s), "");
    EXPECT_EQ(s.multipart_used, 2u);
    ASSERT_EQ(Read(R"("/u", { files = { c = "3" } })", &s), "");
    EXPECT_EQ(s.multipart_used, 1u);
    EXPECT_EQ(s.body.find("name=\"a\""), std::string::npos);
    ASSERT_EQ(Read(R"("/u")", &s), "");
    EXPECT_EQ(s.multipart_used, 0u);
    EXPECT_EQ(s.body, "");
    EXPECT_EQ(HeaderOf(s, "content-type"), "<none>");
}

TEST_F(RequestFilesTest, MistakesAreNamed) {
    RequestSpec s;
    std::string e = Read(R"("/u", { files = { avatar = { path = "missing.png" } } })", &s);
    EXPECT_NE(e.find("http:post: option 'files': field 'avatar': cannot read '" + (dir_ / "missing.png").string() +
                     "': No such file or directory"),
              std::string::npos)
        << e;
    e = Read(R"("/u", { files = { a = "1" }, body = "x" })", &s);
    EXPECT_NE(e.find("options 'json', 'body', 'form' and 'files' are exclusive"), std::string::npos) << e;
    e = Read(R"("/u", { files = { a = "1" }, headers = { ["content-type"] = "multipart/form-data" } })", &s);
    EXPECT_NE(e.find("option 'files' sets Content-Type itself"), std::string::npos) << e;
    e = Read(R"("/u", { files = { a = { pth = "x" } } })", &s);
    EXPECT_NE(e.find("field 'a': unknown key 'pth' (did you mean 'path'?)"), std::string::npos) << e;
    e = Read(R"("/u", { files = { a = { filename = "x" } } })", &s);
    EXPECT_NE(e.find("field 'a': a file part needs exactly one of 'path'"), std::string::npos) << e;
    e = Read(R"("/u", { files = { a = true } })", &s);
    EXPECT_NE(e.find("field 'a' must be a string (a field), a table (a file part) or a list of them, got boolean"),
              std::string::npos)
        << e;
    e = Read(R"("/u", { files = { a = { { content = "x" }, path = "y" } } })", &s);
    EXPECT_NE(e.find("field 'a': a list of parts takes list entries only"), std::string::npos) << e;
    e = Read(R"("/u", { files = { a = { { { content = "x" } } } } })", &s);
    EXPECT_NE(e.find("field 'a': a list of parts holds fields and file parts, not lists"), std::string::npos) << e;
    e = Read(R"("/u", { files = "a.png" })", &s);
    EXPECT_NE(e.find("option 'files' must be a table of fields, got string"), std::string::npos) << e;
    e = Read(R"("/u", { files = { a = { content = "x", content_type = "text/plain\r\nX: y" } } })", &s);
    EXPECT_NE(e.find("option 'files': the content_type of part 'a' contains a line break"), std::string::npos) << e;
    e = Read(R"("/u", { fils = {} })", &s);
    EXPECT_NE(e.find("did you mean 'files'?"), std::string::npos) << e;
}

// Distributed runs: the captured body is the multipart bytes as a literal, binary content intact, and virtual users
// that upload the same parts share one request of the plan (the boundary is derived from the content).
TEST_F(RequestFilesTest, ACapturedUploadIsOneLiteralRequestWithTheBinaryBytes) {
    const std::string bytes("\0\x01\xff\r\n--\0", 8);
    Write("assets/blob.bin", bytes);
    std::ofstream(dir_ / "upload.lua") << "local s = scenario { name = 'up', vusers = 3, duration = '1s' }\n"
                                          "s:task('up', function(self, http)\n"
                                          "  http:post('/upload', { files = { blob = { path = 'assets/blob.bin' },"
                                          " note = 'n' } })\n"
                                          "end)\n";
    auto cfg = std::make_shared<LuaRunConfig>();
    cfg->script_path = (dir_ / "upload.lua").string();
    cfg->scenario = "up";
    cfg->target = http::ParseUrl("http://127.0.0.1:9/");  // discard port: capture never sends
    cfg->shared = std::make_shared<SharedStore>();
    PlanCapture capture(cfg);
    plan::LoadShape load;
    load.vusers = 3;
    load.duration_ns = kNsPerSec;
    const CaptureOutcome out = capture.Capture(3, load);
    ASSERT_TRUE(out.problems.empty()) << out.problems[0];
    ASSERT_EQ(out.plan.vusers.size(), 3u);
    ASSERT_EQ(out.plan.requests.size(), 1u) << "three virtual users, one upload: deduplicated";
    const plan::PlannedRequest& r = out.plan.requests[0];
    ASSERT_EQ(r.body.segments.size(), 1u);
    EXPECT_EQ(r.body.segments[0].kind, plan::Segment::Kind::kLiteral);
    const std::string& body = r.body.segments[0].text;
    EXPECT_NE(body.find("filename=\"blob.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n" + bytes + "\r\n--"),
              std::string::npos);
    bool multipart = false;
    for (const auto& [name, value] : r.headers) {
        multipart |= name == "Content-Type" && value.segments.size() == 1 &&
                     value.segments[0].text.rfind("multipart/form-data; boundary=", 0) == 0;
    }
    EXPECT_TRUE(multipart);
}

}  // namespace
}  // namespace lse::lua
