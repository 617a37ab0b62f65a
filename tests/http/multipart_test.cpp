#include "lse/http/multipart.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "lse/core/byte_codec.hpp"

namespace lse::http {
namespace {

MultipartPart Field(std::string name, std::string value) {
    MultipartPart p;
    p.name = std::move(name);
    p.value = std::move(value);
    return p;
}

MultipartPart InlineFile(std::string name, std::string filename, std::string type, std::string bytes) {
    MultipartPart p = Field(std::move(name), std::move(bytes));
    p.is_file = true;
    p.filename = std::move(filename);
    p.content_type = std::move(type);
    return p;
}

std::string BoundaryOf(const std::string& content_type) {
    EXPECT_EQ(content_type.rfind(kMultipartContentTypePrefix, 0), 0u) << content_type;
    return content_type.substr(kMultipartContentTypePrefix.size());
}

TEST(MultipartBody, FieldsAndFilesInRfc7578Form) {
    std::vector<MultipartPart> parts = {Field("note", "hello"), InlineFile("avatar", "a.png", "image/png", "PNG")};
    std::string body;
    std::string type;
    BuildMultipartBody(parts, parts.size(), &body, &type);
    const std::string b = BoundaryOf(type);
    ASSERT_FALSE(b.empty());
    EXPECT_LE(b.size(), 70u);  // RFC 2046 5.1.1
    EXPECT_EQ(body, "--" + b + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n" +
                        "--" + b + "\r\nContent-Disposition: form-data; name=\"avatar\"; filename=\"a.png\"\r\n" +
                        "Content-Type: image/png\r\n\r\nPNG\r\n--" + b + "--\r\n");
}

TEST(MultipartBody, OnlyTheFirstCountPartsAreWritten) {
    std::vector<MultipartPart> parts = {Field("a", "1"), Field("stale", "from an earlier request")};
    std::string body;
    std::string type;
    BuildMultipartBody(parts, 1, &body, &type);
    EXPECT_EQ(body.find("stale"), std::string::npos);
    EXPECT_NE(body.find("name=\"a\""), std::string::npos);
}

TEST(MultipartBody, SamePartsSameBytesOtherPartsOtherBoundary) {
    std::vector<MultipartPart> parts = {Field("a", "1")};
    std::string body1, type1, body2, type2, body3, type3;
    BuildMultipartBody(parts, 1, &body1, &type1);
    BuildMultipartBody(parts, 1, &body2, &type2);
    EXPECT_EQ(body1, body2);  // plans dedupe identical requests
    EXPECT_EQ(type1, type2);
    parts[0].value = "2";
    BuildMultipartBody(parts, 1, &body3, &type3);
    EXPECT_NE(type1, type3);
}

TEST(MultipartBody, BoundaryNeverOccursInTheContent) {
    std::string body;
    std::string type;
    // A file's bytes enter the boundary through its stored hash: with the hash fixed, content that holds the
    // first candidate must make the builder pick another one.
    MultipartPart file = InlineFile("f", "f.bin", "application/octet-stream", "");
    auto bytes = std::make_shared<FileBytes>();
    bytes->hash = 42;
    file.file = bytes;
    std::vector<MultipartPart> with_file = {file};
    BuildMultipartBody(with_file, 1, &body, &type);
    const std::string candidate = BoundaryOf(type);
    bytes->bytes = "--" + candidate + "--";  // same hash, content now holds the first candidate
    BuildMultipartBody(with_file, 1, &body, &type);
    EXPECT_NE(BoundaryOf(type), candidate);
    EXPECT_NE(body.find("--" + candidate + "--"), std::string::npos);  // the content itself, intact
}

TEST(MultipartBody, QuotesAndLineBreaksInNamesAreEscaped) {
    std::vector<MultipartPart> parts = {InlineFile("a\"b", "x\r\ny.txt", "text/plain", "t")};
    std::string body;
    std::string type;
    BuildMultipartBody(parts, 1, &body, &type);
    EXPECT_NE(body.find("name=\"a%22b\"; filename=\"x%0D%0Ay.txt\""), std::string::npos) << body;
}

TEST(MultipartBody, ContentTypeWithLineBreakIsRefused) {
    std::vector<MultipartPart> parts = {InlineFile("f", "f", "text/plain\r\nX-Evil: 1", "t")};
    std::string body;
    std::string type;
    EXPECT_THROW(BuildMultipartBody(parts, 1, &body, &type), std::invalid_argument);
}

TEST(MultipartBody, BinaryBytesAreCarriedIntact) {
    const std::string bytes("\0\x01\xff\r\n--\0end", 10);
    std::vector<MultipartPart> parts = {InlineFile("bin", "b.bin", "application/octet-stream", bytes)};
    std::string body;
    std::string type;
    BuildMultipartBody(parts, 1, &body, &type);
    EXPECT_NE(body.find("\r\n\r\n" + bytes + "\r\n--"), std::string::npos);
}

TEST(DisplayBody, BinaryBytesAreEscapedTextAndUtf8Kept) {
    EXPECT_EQ(DisplayBody(std::string("a\r\nb\0\x89PNG\x7f\tx\r", 13)), "a\nb\\x00\\x89PNG\\x7f\tx\\x0d");
    EXPECT_EQ(DisplayBody("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    EXPECT_EQ(DisplayBody("\xc3"), "\\xc3");          // truncated sequence
    EXPECT_EQ(DisplayBody("\xc0\xaf"), "\\xc0\\xaf");  // overlong '/'
    EXPECT_EQ(DisplayBody("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // a surrogate
}

class UploadFileCacheTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir_ = std::filesystem::temp_directory_path() /
               ("lse_multipart_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "_" +
                ::testing::UnitTest::GetInstance()->current_test_info()->name());
        std::filesystem::create_directories(dir_);
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::string Write(const std::string& name, const std::string& bytes) {
        const std::string path = (dir_ / name).string();
        std::ofstream(path, std::ios::binary) << bytes;
        return path;
    }
    std::filesystem::path dir_;
};

TEST_F(UploadFileCacheTest, ReadsAFileOnceAndKeepsItsBytes) {
    UploadFileCache cache;
    const std::string bytes("PNG\0\x01" "data", 9);
    const std::string path = Write("a.png", bytes);
    auto first = cache.Get(path);
    EXPECT_EQ(first->bytes, bytes);
    EXPECT_EQ(first->hash, Fnv1a64(bytes));
    std::filesystem::remove(path);  // a second Get must not touch the disk
    auto second = cache.Get(path);
    EXPECT_EQ(second.get(), first.get());
    EXPECT_EQ(cache.Reads(), 1u);
}

TEST_F(UploadFileCacheTest, ThreadsShareOneCopy) {
    UploadFileCache cache;
    const std::string path = Write("shared.bin", std::string(100000, 'z'));
    std::vector<std::shared_ptr<const FileBytes>> seen(4);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < seen.size(); ++i) {
        threads.emplace_back([&, i] {
            for (int n = 0; n < 100; ++n) seen[i] = cache.Get(path);
        });
    }
    for (auto& t : threads) t.join();
    for (const auto& s : seen) EXPECT_EQ(s.get(), seen[0].get());
    EXPECT_EQ(cache.Reads(), 1u);
}

TEST_F(UploadFileCacheTest, MissingFileNamesThePathAndReason) {
    UploadFileCache cache;
    const std::string path = (dir_ / "missing.png").string();
    try {
        cache.Get(path);
        FAIL() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("No such file"), std::string::npos) << e.what();
    }
    EXPECT_THROW(cache.Get(dir_.string()), std::runtime_error);  // a directory
}

}  // namespace
}  // namespace lse::http
