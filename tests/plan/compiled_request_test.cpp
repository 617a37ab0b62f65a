#include "lse/plan/compiled_request.hpp"

#include <gtest/gtest.h>

#include "lse/core/errors.hpp"
#include "plan_fixtures.hpp"

namespace lse::plan {
namespace {

using testing_fixtures::Lit;
using testing_fixtures::Seg;
using testing_fixtures::Text;

// A sequence source that repeats a fixed value, so expected bytes can be written down.
class Fixed final : public SeqSource {
public:
    explicit Fixed(std::uint64_t v) : v_(v) {}
    std::uint64_t Next() noexcept override { return v_; }

private:
    std::uint64_t v_;
};

TEST(CompiledRequest, LiteralRequestIsSerialisedOnceLikeUrlMode) {
    PlannedRequest r;
    r.url = Lit("http://127.0.0.1:8080/api/products?x=1");
    r.headers = {{"Authorization", Lit("Bearer t")}};
    const CompiledRequest c = CompileRequest(r);
    EXPECT_TRUE(c.literal);
    EXPECT_EQ(c.origin.port, 8080);
    const http::Url url = http::ParseUrl("http://127.0.0.1:8080/api/products?x=1");
    EXPECT_EQ(c.prepared.bytes,
              http::PreparedRequest::Build(http::Method::kGet, url.origin, url.path_and_query,
                                           {{"Authorization", "Bearer t"}}, "")
                  .bytes);
    EXPECT_TRUE(c.accepted.Contains(200));
    EXPECT_TRUE(c.accepted.Contains(302));
    EXPECT_FALSE(c.accepted.Contains(404));
}

TEST(CompiledRequest, TemplatedRequestMatchesBuildForEachExpansion) {
    PlannedRequest r;
    r.method = http::Method::kPost;
    r.url.segments = {Text("http://127.0.0.1:9000/api/v1/projects/"), Seg(Segment::Kind::kVuser), Text("?s="),
                      Seg(Segment::Kind::kSeq)};
    r.headers = {{"X-Id", Template{{Text("  id-"), Seg(Segment::Kind::kSeq), Text(" ")}}},
                 {"Content-Length", Lit("3")},  // dropped: the body length changes per send
                 {"User-Agent", Lit("custom")}};
    r.body.segments = {Text("{\"n\":"), Seg(Segment::Kind::kSeq), Text("}")};
    r.expect = {{404, 404}};
    const CompiledRequest c = CompileRequest(r);
    EXPECT_FALSE(c.literal);
    EXPECT_TRUE(c.accepted.Contains(404));
    EXPECT_FALSE(c.accepted.Contains(200));
    for (std::uint64_t seq : {7ULL, 123456ULL}) {
        Fixed fixed(seq);
        ExpandContext ctx{&fixed, nullptr, 3};
        std::string out, scratch;
        SerializeTemplated(c, ctx, &out, &scratch);
        const std::string s = std::to_string(seq);
        const std::string body = "{\"n\":" + s + "}";
        const http::PreparedRequest expected = http::PreparedRequest::Build(
            http::Method::kPost, http::ParseUrl("http://127.0.0.1:9000/").origin, "/api/v1/projects/3?s=" + s,
            {{"X-Id", "id-" + s}, {"User-Agent", "custom"}}, body);
        EXPECT_EQ(out, expected.bytes);
    }
}

TEST(CompiledRequest, PlaceholderInTheHostIsRefused) {
    PlannedRequest r;
    r.url.segments = {Text("http://host-"), Seg(Segment::Kind::kSeq), Text(".example/")};
    r.name = "bad";
    try {
        CompileRequest(r);
        FAIL() << "expected UsageError";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("request 'bad'"), std::string::npos) << e.what();
    }
}

TEST(CompiledRequest, InvalidHeaderIsRefused) {
    PlannedRequest r;
    r.url.segments = {Text("http://127.0.0.1/x/"), Seg(Segment::Kind::kSeq)};
    r.headers = {{"Bad Name", Lit("v")}};
    EXPECT_THROW(CompileRequest(r), UsageError);
    r.headers = {{"X", Template{{Text("a\r\nb"), Seg(Segment::Kind::kSeq)}}}};
    EXPECT_THROW(CompileRequest(r), UsageError);
}

}  // namespace
}  // namespace lse::plan
