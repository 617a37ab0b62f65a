#include "lse/http/percent_encode.hpp"

#include <gtest/gtest.h>

namespace lse::http {
namespace {

std::string Encoded(std::string_view text) {
    std::string out = "prefix:";
    AppendPercentEncoded(text, &out);
    return out;
}

TEST(PercentEncode, EncodesEveryByteButUnreservedAndAppends) {
    EXPECT_EQ(Encoded("AZaz09-._~"), "prefix:AZaz09-._~");
    EXPECT_EQ(Encoded("a b&c=d/e?f+g%#"), "prefix:a%20b%26c%3Dd%2Fe%3Ff%2Bg%25%23");
    EXPECT_EQ(Encoded("\xC3\xA9"), "prefix:%C3%A9");
    EXPECT_EQ(Encoded(std::string_view("\0\r\n", 3)), "prefix:%00%0D%0A");
    EXPECT_EQ(Encoded(""), "prefix:");
}

}  // namespace
}  // namespace lse::http
