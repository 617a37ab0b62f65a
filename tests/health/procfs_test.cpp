#include "lse/health/procfs.hpp"

#include <gtest/gtest.h>

namespace lse::health {
namespace {

TEST(Procfs, ProcessCpuTicksAreUtimePlusStime) {
    // A real line (Linux 6.x), utime 1234 and stime 56 in fields 14 and 15.
    const char* stat =
        "4242 (lsengine) S 1 4242 4242 0 -1 4194560 2612 0 0 0 1234 56 0 0 20 0 3 0 1789 250613760 3200 "
        "18446744073709551615 1 1 0 0 0 0 0 4096 17 1 0 0 0 0 0\n";
    EXPECT_EQ(ParseProcessCpuTicks(stat), 1290u);
    // The command name may hold spaces and parentheses: fields count from its last ')'.
    const char* odd = "7 (a) b (c d)) R 1 7 7 0 -1 0 0 0 0 0 10 20 0 0 20 0 1 0 5 1000 10 0\n";
    EXPECT_EQ(ParseProcessCpuTicks(odd), 30u);
    EXPECT_FALSE(ParseProcessCpuTicks("4242 (x) S 1 2 3\n"));  // truncated
    EXPECT_FALSE(ParseProcessCpuTicks("no parenthesis at all"));
    EXPECT_FALSE(ParseProcessCpuTicks("1 (x) S 1 2 3 4 5 6 7 8 9 10 x 12 13\n"));  // utime not a number
}

TEST(Procfs, HostCpuSumsBusyAndIdleColumns) {
    const char* stat =
        "cpu  100 5 50 1000 20 3 2 10 7 0\n"
        "cpu0 50 2 25 500 10 1 1 5 3 0\n"
        "intr 12345\n";
    const auto t = ParseHostCpuTicks(stat);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->busy, 100u + 5 + 50 + 3 + 2 + 10) << "guest (7) is inside user already";
    EXPECT_EQ(t->total, t->busy + 1000 + 20);
    const auto old_kernel = ParseHostCpuTicks("cpu 1 2 3 4\n");
    ASSERT_TRUE(old_kernel);
    EXPECT_EQ(old_kernel->total, 10u);
    EXPECT_FALSE(ParseHostCpuTicks("cpu0 1 2 3 4 5 6 7 8\n")) << "the first line must be the all-cores line";
    EXPECT_FALSE(ParseHostCpuTicks("cpu 1 2 x\n"));
    EXPECT_FALSE(ParseHostCpuTicks(""));
}

TEST(Procfs, ResidentPagesAreTheSecondStatmField) {
    EXPECT_EQ(ParseResidentPages("61184 3200 1500 300 0 8000 0\n"), 3200u);
    EXPECT_FALSE(ParseResidentPages("61184\n"));
    EXPECT_FALSE(ParseResidentPages(""));
}

TEST(Procfs, PortRange) {
    const auto r = ParsePortRange("32768\t60999\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->Size(), 28232u);
    EXPECT_TRUE(r->Contains(32768));
    EXPECT_TRUE(r->Contains(60999));
    EXPECT_FALSE(r->Contains(61000));
    EXPECT_FALSE(ParsePortRange("60999 32768"));
    EXPECT_FALSE(ParsePortRange("1024 70000"));
    EXPECT_FALSE(ParsePortRange("1024"));
}

TEST(Procfs, SocketInodesFromFdLinks) {
    EXPECT_EQ(ParseSocketInode("socket:[12345]"), 12345u);
    EXPECT_FALSE(ParseSocketInode("pipe:[12345]"));
    EXPECT_FALSE(ParseSocketInode("/dev/null"));
    EXPECT_FALSE(ParseSocketInode("socket:[]"));
    EXPECT_FALSE(ParseSocketInode("socket:[12x]"));
    EXPECT_FALSE(ParseSocketInode("socket:[12"));
}

// Rows of /proc/net/tcp as Linux prints them: a listener (st 0A), two established connections from ephemeral
// ports 0xC350 (50000) and 0x9C40 (40000), one from port 0x1F90 (8080, outside the range), a TIME_WAIT row of
// nobody (inode 0) and a row of another process.
constexpr const char* kTcp =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
    "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0 100 0 0 10 0\n"
    "   1: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 101 1 0 20 4 30 10 -1\n"
    "   2: 0100007F:9C40 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 102 1 0 20 4 30 10 -1\n"
    "   3: 0100007F:1F90 0100007F:9C41 01 00000000:00000000 00:00000000 00000000     0        0 103 1 0 20 4 30 10 -1\n"
    "   4: 0100007F:9C42 0100007F:1F90 06 00000000:00000000 03:00001234 00000000     0        0 0 3 0\n"
    "   5: 0100007F:9C43 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 999 1 0 20 4 30 10 -1\n";

TEST(Procfs, CountsTheProcessesNonListeningTcpSocketsAndTheirEphemeralPorts) {
    const PortRange range{32768, 60999};
    const TcpSocketCount c = CountTcpSockets(kTcp, {100, 101, 102, 103, 0}, range);
    EXPECT_EQ(c.sockets, 3u) << "the listener, TIME_WAIT (inode 0) and rows of other inodes are not counted";
    EXPECT_EQ(c.ephemeral_ports, 2u);
    EXPECT_EQ(CountTcpSockets(kTcp, {}, range).sockets, 0u);
    EXPECT_EQ(CountTcpSockets("", {101}, range).sockets, 0u);
    EXPECT_EQ(CountTcpSockets("header only\n", {101}, range).sockets, 0u);
    // tcp6 rows: the address is 32 hex digits, the port still after the last ':'.
    const char* tcp6 =
        "  sl  local_address                         remote_address                        st tx_queue rx_queue "
        "tr tm->when retrnsmt   uid  timeout inode\n"
        "   0: 00000000000000000000000001000000:C351 00000000000000000000000001000000:1F90 01 00000000:00000000 "
        "00:00000000 00000000     0        0 104 1 0 20 4 30 10 -1\n";
    const TcpSocketCount c6 = CountTcpSockets(tcp6, {104}, range);
    EXPECT_EQ(c6.sockets, 1u);
    EXPECT_EQ(c6.ephemeral_ports, 1u);
}

}  // namespace
}  // namespace lse::health
