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

// Response values (kValue) as the capture places them: the slot's text written per ValueEncoding.
Segment Value(std::uint32_t slot, ValueEncoding encoding) {
    return Segment{Segment::Kind::kValue, "", slot, static_cast<std::int64_t>(encoding)};
}

ValueSlot TextValue(std::string text) {
    ValueSlot v;
    v.text = std::move(text);
    v.ok = true;
    return v;
}

// Fills `c` with the given slots; false (with *why) when a value did not fit.
bool Fill(const CompiledRequest& c, const std::vector<ValueSlot>& values, http::PreparedRequest* out,
          const char** why = nullptr) {
    ExpandContext ctx;
    ctx.values = values.data();
    ctx.value_count = values.size();
    const char* reason = nullptr;
    const bool ok = SerializeTemplated(c, ctx, out, &reason);
    if (why != nullptr) *why = reason;
    return ok;
}

TEST(CompiledRequestValues, EachEncodingWritesTheValueAsTheLuaRequestWould) {
    PlannedRequest r;
    r.method = http::Method::kPost;
    // "/orders/" .. id .. "?q=" (query = {q = name}) with a json body {"sku":"A-" .. name, "id": id, "n": n, "o": obj}
    r.url.segments = {Text("http://127.0.0.1:9000/orders/"), Value(0, ValueEncoding::kRaw), Text("?q="),
                      Value(1, ValueEncoding::kPercent)};
    r.headers = {{"X-Id", Template{{Text("id-"), Value(0, ValueEncoding::kRaw)}}},
                 {"Content-Type", Lit("application/json")},
                 {"Content-Length", Lit("1")}};  // dropped: the body length changes per send
    r.body.segments = {Text("{\"sku\":\"A-"), Value(1, ValueEncoding::kJsonString), Text("\",\"id\":"),
                       Value(0, ValueEncoding::kJsonValue), Text(",\"n\":"), Value(2, ValueEncoding::kJsonValue),
                       Text(",\"o\":"), Value(3, ValueEncoding::kJsonValue), Text(",\"m\":"),
                       Value(4, ValueEncoding::kJsonValue), Text("}")};
    const CompiledRequest c = CompileRequest(r);
    ASSERT_FALSE(c.literal());

    std::vector<ValueSlot> values(5);
    values[0] = TextValue("7 b\xc3\xa9");  // a header/path value with a space and UTF-8
    values[1] = TextValue("a&b \"q\"\n\x01/\xc3\xa9");
    values[2] = TextValue("42");
    values[2].number = true;  // tonumber(): bare in JSON
    values[3] = TextValue("x");
    values[3].json = true;  // a JSON source's token as it came, an object too
    values[3].raw = "{\"k\": [1, \"\\u00e9\"]}";
    values[3].kind = extract::JsonKind::kObject;
    // values[4] was not extracted (on_extract_error = "empty"): empty text, a JSON string
    http::PreparedRequest out;
    ASSERT_TRUE(Fill(c, values, &out));

    const std::string body = "{\"sku\":\"A-a&b \\\"q\\\"\\n\\u0001/\xc3\xa9\",\"id\":\"7 b\xc3\xa9\",\"n\":42,"
                             "\"o\":{\"k\": [1, \"\\u00e9\"]},\"m\":\"\"}";
    // Lua: the path's bytes encoded by the request serialiser (a space, which Lua refuses in a path, is sent
    // as %20), the query value by the url encoder.
    const http::PreparedRequest expected = http::PreparedRequest::Build(
        http::Method::kPost, http::ParseUrl("http://127.0.0.1:9000/").origin,
        "/orders/7%20b\xc3\xa9?q=a%26b%20%22q%22%0A%01%2F%C3%A9",
        {{"X-Id", "id-7 b\xc3\xa9"}, {"Content-Type", "application/json"}}, body);
    EXPECT_EQ(out.bytes, expected.bytes);
    EXPECT_NE(out.bytes.find("POST /orders/7%20b%C3%A9?q=a%26b%20%22q%22%0A%01%2F%C3%A9 HTTP/1.1\r\n"),
              std::string::npos)
        << out.bytes;
    EXPECT_NE(out.bytes.find("Content-Length: " + std::to_string(body.size()) + "\r\n"), std::string::npos);

    // A JSON source with tonumber() is bare; a string token without it stays a string.
    values[0] = TextValue("15");
    values[0].json = true;
    values[0].raw = "\"15\"";
    values[2].json = true;
    values[2].raw = "\"42\"";
    ASSERT_TRUE(Fill(c, values, &out));
    EXPECT_NE(out.bytes.find("\"id\":\"15\",\"n\":42,"), std::string::npos) << out.bytes;
}

TEST(CompiledRequestValues, AValueStartingThePathIsAPathOrASameOriginUrl) {
    PlannedRequest r;
    r.url.segments = {Text("http://127.0.0.1:9000"), Value(0, ValueEncoding::kRaw)};
    r.name = "GET /landing/{id}";
    const CompiledRequest c = CompileRequest(r);
    ASSERT_FALSE(c.literal());
    EXPECT_EQ(c.origin.port, 9000);
    const std::pair<std::string, std::string> cases[] = {
        {"/landing/7?x=1", "/landing/7?x=1"},
        {"http://127.0.0.1:9000/landing/7?x=1#top", "/landing/7?x=1"},
        {"HTTP://127.0.0.1:9000", "/"},
        {"http://127.0.0.1:9000?a=b", "/?a=b"},
        {"landing/7", "/landing/7"},  // as Lua resolves a path without its '/'
        {"/a b", "/a%20b"},
        {"", "/"},
    };
    http::PreparedRequest out;
    for (const auto& [value, target] : cases) {
        ASSERT_TRUE(Fill(c, {TextValue(value)}, &out)) << value;
        EXPECT_EQ(out.bytes.rfind("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:9000\r\n", 0), 0u)
            << value << "\n" << out.bytes;
    }
    // A default port matches when the origin's is the default.
    PlannedRequest d;
    d.url.segments = {Text("http://example.test"), Value(0, ValueEncoding::kRaw), Text("&x=1")};
    const CompiledRequest dc = CompileRequest(d);
    ASSERT_TRUE(Fill(dc, {TextValue("http://EXAMPLE.test:80/p?q=1")}, &out));
    EXPECT_EQ(out.bytes.rfind("GET /p?q=1&x=1 HTTP/1.1\r\n", 0), 0u) << out.bytes;

    // Another origin (host, port or scheme): not sent.
    for (const char* other : {"http://localhost:9000/x", "http://127.0.0.1:9001/x", "https://127.0.0.1:9000/x",
                              "http://127.0.0.1/x", "http://127.0.0.1:9000@evil/x"}) {
        const char* why = nullptr;
        EXPECT_FALSE(Fill(c, {TextValue(other)}, &out, &why)) << other;
        ASSERT_NE(why, nullptr);
        EXPECT_NE(std::string(why).find("origin"), std::string::npos) << why;
    }
}

TEST(CompiledRequestValues, ACrOrLfInAHeaderValueFailsTheSend) {
    PlannedRequest r;
    r.url = Lit("http://127.0.0.1:9000/form");
    r.method = http::Method::kPost;
    r.headers = {{"X-Csrf", Template{{Value(0, ValueEncoding::kRaw)}}}};
    r.body.segments = {Text("a="), Value(0, ValueEncoding::kRaw)};  // a body may carry any byte
    const CompiledRequest c = CompileRequest(r);
    http::PreparedRequest out;
    ASSERT_TRUE(Fill(c, {TextValue("tok-1")}, &out));
    EXPECT_NE(out.bytes.find("\r\nX-Csrf: tok-1\r\n"), std::string::npos) << out.bytes;
    EXPECT_NE(out.bytes.find("Content-Length: 7\r\n\r\na=tok-1"), std::string::npos) << out.bytes;
    for (const char* bad : {"tok\r\nX-Evil: 1", "tok\n", "\rtok"}) {
        const char* why = nullptr;
        EXPECT_FALSE(Fill(c, {TextValue(bad)}, &out, &why)) << bad;
        EXPECT_STREQ(why, kHeaderBreak);
    }
}

TEST(CompiledRequestValues, RefillingWithValuesDoesNotAllocate) {
    PlannedRequest r;
    r.method = http::Method::kPut;
    r.url.segments = {Text("http://127.0.0.1:9000/orders/"), Value(0, ValueEncoding::kRaw)};
    r.body.segments = {Text("{\"id\":"), Value(0, ValueEncoding::kJsonValue), Text(",\"s\":\""),
                       Value(1, ValueEncoding::kJsonString), Text("\",\"q\":\""), Value(1, ValueEncoding::kPercent),
                       Text("\"}")};
    const CompiledRequest c = CompileRequest(r);
    std::vector<ValueSlot> values = {TextValue("123456"), TextValue("a \"b\" c")};
    values[0].number = true;
    http::PreparedRequest out;
    ASSERT_TRUE(Fill(c, values, &out));
    const char* buffer = out.bytes.data();
    const std::size_t capacity = out.bytes.capacity();
    for (int i = 0; i < 100; ++i) ASSERT_TRUE(Fill(c, values, &out));
    EXPECT_EQ(out.bytes.data(), buffer);
    EXPECT_EQ(out.bytes.capacity(), capacity);
    EXPECT_NE(out.bytes.find("\r\n\r\n{\"id\":123456,\"s\":\"a \\\"b\\\" c\",\"q\":\"a%20%22b%22%20c\"}"),
              std::string::npos)
        << out.bytes;
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
