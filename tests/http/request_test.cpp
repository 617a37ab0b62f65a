#include "lse/http/request.hpp"

#include <gtest/gtest.h>

#include "lse/core/errors.hpp"

namespace lse::http {
namespace {

Origin MakeOrigin(const char* url) { return ParseUrl(url).origin; }

TEST(PreparedRequestTest, GetAddsHostAndUserAgentButNoContentLength) {
    const auto req = PreparedRequest::Build(Method::kGet, MakeOrigin("http://h:8080"), "/x?y=1", {}, "");
    EXPECT_EQ(req.bytes, "GET /x?y=1 HTTP/1.1\r\nHost: h:8080\r\nUser-Agent: lsengine/0.1\r\n\r\n");
    EXPECT_TRUE(req.idempotent);
    EXPECT_FALSE(req.connection_close);
}

TEST(PreparedRequestTest, PostWithBodyAddsContentLength) {
    const auto req = PreparedRequest::Build(Method::kPost, MakeOrigin("https://api.example"), "/items",
                                            {{"Content-Type", "application/json"}}, R"({"a":1})");
    EXPECT_EQ(req.bytes,
              "POST /items HTTP/1.1\r\nHost: api.example\r\nContent-Type: application/json\r\n"
              "User-Agent: lsengine/0.1\r\nContent-Length: 7\r\n\r\n{\"a\":1}");
    EXPECT_FALSE(req.idempotent);
}

TEST(PreparedRequestTest, EmptyBodyPutPatchPostStillSendContentLengthZero) {
    for (Method m : {Method::kPost, Method::kPut, Method::kPatch}) {
        const auto req = PreparedRequest::Build(m, MakeOrigin("http://h"), "/", {}, "");
        EXPECT_NE(req.bytes.find("\r\nContent-Length: 0\r\n"), std::string::npos) << MethodName(m);
    }
    const auto del = PreparedRequest::Build(Method::kDelete, MakeOrigin("http://h"), "/", {}, "");
    EXPECT_EQ(del.bytes.find("Content-Length"), std::string::npos);
    const auto get_body = PreparedRequest::Build(Method::kGet, MakeOrigin("http://h"), "/", {}, "abc");
    EXPECT_NE(get_body.bytes.find("\r\nContent-Length: 3\r\n\r\nabc"), std::string::npos);
}

TEST(PreparedRequestTest, CallerHeadersOverrideDefaultsCaseInsensitively) {
    const auto req = PreparedRequest::Build(Method::kPost, MakeOrigin("http://h"), "/",
                                            {{"host", "other"}, {"USER-AGENT", "me"}, {"content-length", " 2 "},
                                             {"Connection", "close"}},
                                            "ab");
    EXPECT_EQ(req.bytes,
              "POST / HTTP/1.1\r\nhost: other\r\nUSER-AGENT: me\r\ncontent-length: 2\r\nConnection: close\r\n\r\nab");
    EXPECT_TRUE(req.connection_close);
}

TEST(PreparedRequestTest, IdempotencyPerMethod) {
    EXPECT_TRUE(IsIdempotent(Method::kGet));
    EXPECT_TRUE(IsIdempotent(Method::kHead));
    EXPECT_TRUE(IsIdempotent(Method::kPut));
    EXPECT_TRUE(IsIdempotent(Method::kDelete));
    EXPECT_TRUE(IsIdempotent(Method::kOptions));
    EXPECT_FALSE(IsIdempotent(Method::kPost));
    EXPECT_FALSE(IsIdempotent(Method::kPatch));
}

TEST(PreparedRequestTest, MethodNamesRoundTrip) {
    for (int i = 0; i < static_cast<int>(Method::kOther); ++i) {
        Method parsed;
        ASSERT_TRUE(ParseMethod(MethodName(static_cast<Method>(i)), &parsed));
        EXPECT_EQ(static_cast<int>(parsed), i);
    }
    Method m;
    EXPECT_FALSE(ParseMethod("get", &m));
    EXPECT_FALSE(ParseMethod("BREW", &m));
}

TEST(PreparedRequestTest, AnyUpperCaseTokenIsAMethod) {
    Method m = Method::kGet;
    ParseAnyMethod("PROPFIND", &m);
    EXPECT_EQ(m, Method::kOther);
    ParseAnyMethod("DELETE", &m);
    EXPECT_EQ(m, Method::kDelete);
    ParseAnyMethod("M-SEARCH", &m);
    EXPECT_EQ(m, Method::kOther);
    EXPECT_FALSE(IsIdempotent(Method::kOther));
    EXPECT_EQ(MethodText(Method::kOther, "PURGE"), "PURGE");
    EXPECT_EQ(MethodText(Method::kGet, "PURGE"), "GET");
}

std::string MethodError(std::string_view name) {
    try {
        Method m;
        ParseAnyMethod(name, &m);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "";
}

TEST(PreparedRequestTest, MethodCaseAndTokenErrorsSayWhat) {
    EXPECT_EQ(MethodError("get"), "invalid HTTP method 'get': HTTP methods are case-sensitive: did you mean 'GET'?");
    EXPECT_EQ(MethodError("PropFind"),
              "invalid HTTP method 'PropFind': HTTP methods are case-sensitive: did you mean 'PROPFIND'?");
    EXPECT_EQ(MethodError("GE T"), "invalid HTTP method 'GE T': not an HTTP token (RFC 9110 9.1)");
    EXPECT_EQ(MethodError(""), "invalid HTTP method: empty");
}

TEST(PreparedRequestTest, CustomMethodTokenIsWrittenAsGiven) {
    const PreparedRequest r =
        PreparedRequest::Build(Method::kOther, MakeOrigin("http://h"), "/dav/x", {{"Depth", "1"}}, "", "PROPFIND");
    EXPECT_EQ(r.bytes, "PROPFIND /dav/x HTTP/1.1\r\nHost: h\r\nDepth: 1\r\nUser-Agent: lsengine/0.1\r\n\r\n");
    EXPECT_EQ(r.method, Method::kOther);
    EXPECT_FALSE(r.idempotent);  // never resent after a stale keep-alive close
    // a body on a custom method gets its Content-Length; no body, none (it is not POST/PUT/PATCH)
    const PreparedRequest b =
        PreparedRequest::Build(Method::kOther, MakeOrigin("http://h"), "/x", {}, "<a/>", "REPORT");
    EXPECT_NE(b.bytes.find("Content-Length: 4\r\n"), std::string::npos) << b.bytes;
    // the shape serialiser writes the same bytes
    const ShapePart target{"/dav/x"};
    const ShapePart depth{"1"};
    const ShapeHeader header{"Depth", std::span<const ShapePart>(&depth, 1)};
    const RequestShape shape = RequestShape::Make(Method::kOther, "h", std::span<const ShapePart>(&target, 1),
                                                  std::span<const ShapeHeader>(&header, 1), {}, "PROPFIND");
    EXPECT_EQ(shape.request.bytes, r.bytes);
    EXPECT_THROW(PreparedRequest::Build(Method::kOther, MakeOrigin("http://h"), "/", {}, "", "purge"), UsageError);
    EXPECT_THROW(PreparedRequest::Build(Method::kOther, MakeOrigin("http://h"), "/", {}, "", ""), UsageError);
}

void ExpectRejected(const HeaderList& headers, const std::string& body, const std::string& needle,
                    const std::string& target = "/") {
    try {
        PreparedRequest::Build(Method::kPost, MakeOrigin("http://h"), target, headers, body);
        ADD_FAILURE() << "accepted";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
}

TEST(PreparedRequestTest, RejectsInvalidHeadersNamingThem) {
    ExpectRejected({{"X-Bad\r\nInjected", "v"}}, "", "X-Bad");
    ExpectRejected({{"X Space", "v"}}, "", "'X Space'");
    ExpectRejected({{"", "v"}}, "", "empty name");
    ExpectRejected({{"X-Value", "a\r\nInjected: 1"}}, "", "'X-Value'");
    ExpectRejected({{"X-Nul", std::string("a\0b", 3)}}, "", "'X-Nul'");
    ExpectRejected({{"Content-Length", "5"}}, "abc", "Content-Length");
    ExpectRejected({{"Transfer-Encoding", "chunked"}}, "abc", "Transfer-Encoding");
    ExpectRejected({}, "", "must start with '/'", "x");
    ExpectRejected({}, "", "whitespace", "/a b");
}

}  // namespace
}  // namespace lse::http

namespace lse::http {
namespace {

std::string RequestLine(std::string_view target) {
    const auto req = PreparedRequest::Build(Method::kGet, ParseUrl("http://h/").origin, target, {}, "");
    return req.bytes.substr(0, req.bytes.find("\r\n"));
}

// As curl: the fragment is the client's business and never goes on the request line.
TEST(PreparedRequestTarget, FragmentIsNotSent) {
    EXPECT_EQ(RequestLine("/p#frag"), "GET /p HTTP/1.1");
    EXPECT_EQ(RequestLine("/p?q=1#frag?x"), "GET /p?q=1 HTTP/1.1");
    EXPECT_EQ(RequestLine("/#"), "GET / HTTP/1.1");
}

// Bytes that may not appear in a request-target (RFC 9112 3.2, RFC 3986) are percent-encoded; what is
// already valid (reserved characters, %XX escapes) is left alone, so encoding twice changes nothing.
TEST(PreparedRequestTarget, IllegalBytesArePercentEncoded) {
    EXPECT_EQ(RequestLine("/caf\xc3\xa9?q=\xe2\x82\xac"), "GET /caf%C3%A9?q=%E2%82%AC HTTP/1.1");
    EXPECT_EQ(RequestLine("/a%20b%2Fc"), "GET /a%20b%2Fc HTTP/1.1");
    EXPECT_EQ(RequestLine("/a%zz%4"), "GET /a%25zz%254 HTTP/1.1");
    EXPECT_EQ(RequestLine("/x:y@z!$&'()*+,;=/-._~?k=[1]&v=/?"), "GET /x:y@z!$&'()*+,;=/-._~?k=[1]&v=/? HTTP/1.1");
    EXPECT_EQ(RequestLine("/q\"<>\\^`{|}"), "GET /q%22%3C%3E%5C%5E%60%7B%7C%7D HTTP/1.1");
    EXPECT_EQ(RequestLine("/caf%C3%A9"), "GET /caf%C3%A9 HTTP/1.1");
}

TEST(PreparedRequestTarget, ControlCharactersAreStillRejected) {
    EXPECT_THROW(RequestLine("/a\r\nX: y"), UsageError);
    EXPECT_THROW(RequestLine(std::string_view("/a\0b", 4)), UsageError);
}

}  // namespace
}  // namespace lse::http

namespace lse::http {
namespace {

// Fills hole i with values[i].
class ListFiller final : public HoleFiller {
public:
    explicit ListFiller(std::vector<std::string> values) : values_(std::move(values)) {}
    void AppendHole(std::int32_t hole, std::string* out) noexcept override {
        out->append(values_[static_cast<size_t>(hole)]);
    }

private:
    std::vector<std::string> values_;
};

std::string Filled(const RequestShape& shape, std::vector<std::string> values) {
    ListFiller filler(std::move(values));
    PreparedRequest out;
    shape.FillInto(filler, &out);
    return out.bytes;
}

TEST(RequestShape, WithoutHolesItIsWhatBuildMakes) {
    const ShapePart target[] = {{"/a"}, {"/b?x=1"}};
    const ShapePart value[] = {{"  v"}, {"w  "}};
    const ShapeHeader headers[] = {{"X-A", value}};
    const ShapePart body[] = {{"hello"}};
    const RequestShape shape = RequestShape::Make(Method::kPost, "h:1", target, headers, body);
    EXPECT_FALSE(shape.HasHoles());
    const PreparedRequest built =
        PreparedRequest::Build(Method::kPost, ParseUrl("http://h:1/").origin, "/a/b?x=1", {{"X-A", "vw"}}, "hello");
    EXPECT_EQ(shape.request.bytes, built.bytes);
}

// A filled shape is what Build makes of the filled-in request: target encoding (with a '%' escape that depends
// on the value after it, and a '#' in a value), value trimming around holes, Content-Length from the filled body.
TEST(RequestShape, FilledShapeEqualsBuildOfTheFilledRequest) {
    const ShapePart target[] = {{"/p/caf\xc3\xa9/"}, {{}, 0}, {"?q=%"}, {{}, 1}};
    const ShapePart value[] = {{" \t"}, {" id-"}, {{}, 2}, {" "}};
    const ShapePart length[] = {{"3"}};
    const ShapeHeader headers[] = {{"X-Id", value}, {"Content-Length", length}, {"host", std::span<const ShapePart>()}};
    const ShapePart body[] = {{"{\"n\":"}, {{}, 3}, {"}"}};
    const RequestShape shape = RequestShape::Make(Method::kPatch, "ignored", target, headers, body);
    ASSERT_TRUE(shape.HasHoles());
    const std::vector<std::vector<std::string>> cases = {
        {"1", "41", "x", "7"},
        {"a|b", "zz", "12345", "123456789012"},
        {"\xe2\x82\xac", "4#frag", "-", "0"},
    };
    for (const auto& values : cases) {
        const std::string path = "/p/caf\xc3\xa9/" + values[0] + "?q=%" + values[1];
        const std::string b = "{\"n\":" + values[3] + "}";
        const PreparedRequest expected = PreparedRequest::Build(Method::kPatch, ParseUrl("http://h/").origin, path,
                                                                {{"X-Id", "id-" + values[2]}, {"host", ""}}, b);
        EXPECT_EQ(Filled(shape, values), expected.bytes) << values[0];
    }
}

TEST(RequestShape, ChecksTheLiteralPartsLikeBuild) {
    const ShapePart hole[] = {{{}, 0}};
    const ShapePart bad_value[] = {{"a\r\n"}, {{}, 0}};
    const ShapeHeader bad_headers[] = {{"X", bad_value}};
    const ShapePart target[] = {{"/x/"}, {{}, 1}};
    EXPECT_THROW(RequestShape::Make(Method::kGet, "h", target, bad_headers, {}), UsageError);
    const ShapePart relative[] = {{"x/"}, {{}, 0}};
    EXPECT_THROW(RequestShape::Make(Method::kGet, "h", relative, {}, {}), UsageError) << "a target starts with '/'";
    // A hole may start the target (a response value used as the path): its filler supplies the '/'.
    EXPECT_NO_THROW(RequestShape::Make(Method::kGet, "h", hole, {}, {}));
    const ShapePart spaced[] = {{"/a b/"}, {{}, 0}};
    EXPECT_THROW(RequestShape::Make(Method::kGet, "h", spaced, {}, {}), UsageError);
    const ShapeHeader templated_length[] = {{"Content-Length", hole}};
    const ShapePart literal_body[] = {{"abc"}};
    EXPECT_THROW(RequestShape::Make(Method::kPost, "h", target, templated_length, literal_body), UsageError);
    const ShapePart templated_body[] = {{{}, 2}};
    EXPECT_NO_THROW(RequestShape::Make(Method::kPost, "h", target, templated_length, templated_body))
        << "dropped: the body's length is computed per send";
}

}  // namespace
}  // namespace lse::http
