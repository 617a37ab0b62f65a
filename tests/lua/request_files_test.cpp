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
    EXPECT_NE(e.find("field 'a' must be a string (a field) or a table (a file part), got boolean"), std::string::npos)
        << e;
    e = Read(R"("/u", { files = "a.png" })", &s);
    EXPECT_NE(e.find("option 'files' must be a table of fields, got string"), std::string::npos) << e;
    e = Read(R"("/u", { files = { a = { content = "x", content_type = "text/plain\r\nX: y" } } })", &s);
    EXPECT_NE(e.find("option 'files': the content_type of part 'a' contains a line break"), std::string::npos) << e;
    e = Read(R"("/u", { fils = {} })", &s);
    EXPECT_NE(e.find("did you mean 'files'?"), std::string::npos) << e;
}

}  // namespace
}  // namespace lse::lua
