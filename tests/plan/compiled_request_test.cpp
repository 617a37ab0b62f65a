#include "lse/plan/compiled_request.hpp"

#include <gtest/gtest.h>

#include <random>

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
    EXPECT_TRUE(c.literal());
    EXPECT_EQ(c.origin.port, 8080);
    const http::Url url = http::ParseUrl("http://127.0.0.1:8080/api/products?x=1");
    EXPECT_EQ(c.shape.request.bytes,
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
    EXPECT_FALSE(c.literal());
    EXPECT_TRUE(c.accepted.Contains(404));
    EXPECT_FALSE(c.accepted.Contains(200));
    for (std::uint64_t seq : {7ULL, 123456ULL}) {
        Fixed fixed(seq);
        ExpandContext ctx{&fixed, nullptr, 3};
        http::PreparedRequest out;
        SerializeTemplated(c, ctx, &out);
        const std::string s = std::to_string(seq);
        const std::string body = "{\"n\":" + s + "}";
        const http::PreparedRequest expected = http::PreparedRequest::Build(
            http::Method::kPost, http::ParseUrl("http://127.0.0.1:9000/").origin, "/api/v1/projects/3?s=" + s,
            {{"X-Id", "id-" + s}, {"User-Agent", "custom"}}, body);
        EXPECT_EQ(out.bytes, expected.bytes);
        EXPECT_EQ(out.method, http::Method::kPost);
        EXPECT_FALSE(out.idempotent);
    }
}

// Replay and Lua put the same bytes on the wire: the plan's request filled with values, and the Lua path's
// BuildInto (what ScenarioEngine calls) on the same request with those values written in. Query, headers (one
// overriding Host, one padded), a body, a literal target byte that needs encoding, and a '%' whose escape
// depends on the value after it.
TEST(CompiledRequest, ReplayBytesEqualTheLuaPathsForTheSameRequest) {
    PlannedRequest r;
    r.method = http::Method::kPut;
    r.url.segments = {Text("http://127.0.0.1:9000/caf\xc3\xa9/"), Seg(Segment::Kind::kSeq), Text("?q=a|b&p=%"),
                      Seg(Segment::Kind::kSeq), Text("&u="), Seg(Segment::Kind::kUuid)};
    r.headers = {{"X-Trace", Template{{Text(" t-"), Seg(Segment::Kind::kRandom, -5, 5), Text("\t")}}},
                 {"Host", Lit("api.example")},
                 {"Connection", Lit("close")},
                 {"Accept", Lit("application/json")}};
    r.body.segments = {Text("{\"id\":\""), Seg(Segment::Kind::kUuid), Text("\",\"vu\":"), Seg(Segment::Kind::kVuser),
                       Text("}")};
    const CompiledRequest c = CompileRequest(r);
    ASSERT_FALSE(c.literal());
    http::PreparedRequest out;
    for (std::uint64_t seq : {12ULL, 4000000000ULL, 7ULL}) {
        Fixed fixed(seq);
        std::mt19937_64 rng_plan(seq);
        std::mt19937_64 rng_lua(seq);
        ExpandContext plan_ctx{&fixed, &rng_plan, 42};
        ExpandContext lua_ctx{&fixed, &rng_lua, 42};
        SerializeTemplated(c, plan_ctx, &out);

        // The values in the order the holes are filled: target, headers, body.
        const http::Url url = http::ParseUrl(Expand(r.url, lua_ctx));
        http::HeaderList headers;
        for (const auto& [name, value] : r.headers) headers.emplace_back(name, Expand(value, lua_ctx));
        const std::string body = Expand(r.body, lua_ctx);
        http::PreparedRequest lua;
        http::PreparedRequest::BuildInto(r.method, url.origin.HostHeader(), url.path_and_query, headers, body, &lua);
        EXPECT_EQ(out.bytes, lua.bytes) << "seq " << seq;
        EXPECT_EQ(out.connection_close, lua.connection_close);
        EXPECT_TRUE(out.connection_close);
        EXPECT_EQ(out.idempotent, lua.idempotent);
    }
    // The literal target bytes are encoded; "%12" and "%40" stay escapes, "%7&" is not one.
    EXPECT_NE(out.bytes.find("PUT /caf%C3%A9/7?q=a%7Cb&p=%257&u="), std::string::npos) << out.bytes;
}

TEST(CompiledRequest, RefillingTheSameRequestDoesNotAllocate) {
    PlannedRequest r;
    r.method = http::Method::kPost;
    r.url.segments = {Text("http://127.0.0.1:9000/x/"), Seg(Segment::Kind::kSeq)};
    r.body.segments = {Text("{\"n\":"), Seg(Segment::Kind::kSeq), Text("}")};
    const CompiledRequest c = CompileRequest(r);
    Fixed fixed(123456);
    ExpandContext ctx{&fixed, nullptr, 1};
    http::PreparedRequest out;
    SerializeTemplated(c, ctx, &out);
    const char* buffer = out.bytes.data();
    const std::size_t capacity = out.bytes.capacity();
    for (int i = 0; i < 100; ++i) SerializeTemplated(c, ctx, &out);
    EXPECT_EQ(out.bytes.data(), buffer);
    EXPECT_EQ(out.bytes.capacity(), capacity);
    EXPECT_NE(out.bytes.find("Content-Length: 12\r\n\r\n{\"n\":123456}"), std::string::npos) << out.bytes;
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
    r.headers = {{"Content-Length", Template{{Seg(Segment::Kind::kSeq)}}}};  // with a literal body
    EXPECT_THROW(CompileRequest(r), UsageError);
    r.headers = {};
    r.url.segments = {Text("http://127.0.0.1/x#frag/"), Seg(Segment::Kind::kSeq)};
    EXPECT_THROW(CompileRequest(r), UsageError);
}

}  // namespace
}  // namespace lse::plan
