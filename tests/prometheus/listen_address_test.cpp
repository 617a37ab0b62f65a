#include "lse/prometheus/listen_address.hpp"

#include <gtest/gtest.h>

#include <string>

#include "lse/core/errors.hpp"

namespace lse::prometheus {
namespace {

TEST(ListenAddress, ParsesHostAndPort) {
    const ListenAddress a = ParseListenAddress("127.0.0.1:9464");
    EXPECT_EQ(a.host, "127.0.0.1");
    EXPECT_EQ(a.port, 9464);
}

TEST(ListenAddress, EmptyHostMeansAllInterfaces) {
    const ListenAddress a = ParseListenAddress(":9464");
    EXPECT_EQ(a.host, "");
    EXPECT_EQ(a.port, 9464);
}

TEST(ListenAddress, PortZeroAndHostNames) {
    const ListenAddress a = ParseListenAddress("localhost:0");
    EXPECT_EQ(a.host, "localhost");
    EXPECT_EQ(a.port, 0);
    EXPECT_EQ(ParseListenAddress("metrics-1.example.com:65535").port, 65535);
}

TEST(ListenAddress, BracketedIpv6) {
    const ListenAddress a = ParseListenAddress("[::1]:9464");
    EXPECT_EQ(a.host, "::1");
    EXPECT_EQ(a.port, 9464);
}

TEST(ListenAddress, MalformedAddressesAreUsageErrorsNamingFlagAndAddress) {
    for (const std::string bad : {"", "9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:http", "127.0.0.1:65536",
                                  ":-1", ":+80", "::1:9464", "[::1", "[::1]9464", "[]:80", "my host:80",
                                  "host/x:80", "127.0.0.1:80 "}) {
        try {
            ParseListenAddress(bad);
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const UsageError& e) {
            const std::string what = e.what();
            EXPECT_NE(what.find("--prometheus"), std::string::npos) << what;
            EXPECT_NE(what.find("'" + bad + "'"), std::string::npos) << what;
        }
    }
}

TEST(ListenAddress, FlagNameIsConfigurable) {
    try {
        ParseListenAddress("nope", "--metrics-listen");
        ADD_FAILURE() << "accepted";
    } catch (const UsageError& e) {
        EXPECT_NE(std::string(e.what()).find("--metrics-listen 'nope'"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace lse::prometheus
