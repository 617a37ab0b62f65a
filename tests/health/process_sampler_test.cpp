#include "lse/health/process_sampler.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>
#include <fstream>

#include "lse/testing/temp_files.hpp"

namespace lse::health {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t kSec = 1'000'000'000;

void Write(const fs::path& path, const std::string& text) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << text;
}

std::string SelfStat(std::uint64_t utime, std::uint64_t stime) {
    return "1 (x) S 1 1 1 0 -1 0 0 0 0 0 " + std::to_string(utime) + " " + std::to_string(stime) +
           " 0 0 20 0 1 0 5 1000 10 0\n";
}

std::string HostStat(std::uint64_t busy_user, std::uint64_t idle) {
    return "cpu  " + std::to_string(busy_user) + " 0 0 " + std::to_string(idle) + " 0 0 0 0 0 0\n";
}

// A fixture /proc: known counters, so the sampler's arithmetic is checked exactly.
TEST(ProcessSampler, ComputesCpuMemoryAndPortsFromAFixtureTree) {
    const fs::path root = testing::MakeTempDir("procfs-");
    const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
    const auto t = [&](double seconds) { return static_cast<std::uint64_t>(seconds * ticks); };
    Write(root / "self/stat", SelfStat(t(10), t(5)));
    Write(root / "stat", HostStat(t(100), t(300)));
    Write(root / "self/statm", "1000 250 0 0 0 0 0\n");
    Write(root / "sys/net/ipv4/ip_local_port_range", "40000 40999\n");
    Write(root / "net/tcp",
          "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
          "   0: 0100007F:9C41 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  0  0 501 1\n"
          "   1: 0100007F:9C42 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  0  0 502 1\n"
          "   2: 0100007F:0050 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  0  0 503 1\n");
    Write(root / "net/tcp6",
          "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
    fs::create_directories(root / "self/fd");
    fs::create_symlink("socket:[501]", root / "self/fd/3");
    fs::create_symlink("socket:[502]", root / "self/fd/4");
    fs::create_symlink("socket:[503]", root / "self/fd/5");
    fs::create_symlink("pipe:[502]", root / "self/fd/6");
    fs::create_symlink("/dev/null", root / "self/fd/7");

    ProcessSampler sampler(root.string());
    metrics::GeneratorHealth h;
    sampler.Sample(5 * kSec, &h);
    EXPECT_EQ(h.process_cpu, 0) << "no window yet: no CPU figure";
    EXPECT_EQ(h.host_cpu, 0);
    EXPECT_EQ(h.rss_bytes, 250u * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE)));
    EXPECT_EQ(h.ephemeral_port_range, 1000u);
    EXPECT_EQ(h.ephemeral_ports, 2u) << "port 80 is outside the range";

    // Two seconds later the process used 3 s of CPU (1.5 cores) and the host was busy 3 of 4 core-seconds.
    Write(root / "self/stat", SelfStat(t(12), t(6)));
    Write(root / "stat", HostStat(t(103), t(301)));
    sampler.Sample(7 * kSec, &h);
    EXPECT_NEAR(h.process_cpu, 1.5, 1e-9);
    EXPECT_NEAR(h.host_cpu, 0.75, 1e-9);

    // The next window starts where the last ended; Begin restarts it.
    Write(root / "self/stat", SelfStat(t(12), t(7)));
    sampler.Sample(8 * kSec, &h);
    EXPECT_NEAR(h.process_cpu, 1.0, 1e-9);
    sampler.Begin(8 * kSec + kSec / 2);
    Write(root / "self/stat", SelfStat(t(12), t(7.25)));
    sampler.Sample(9 * kSec, &h);
    EXPECT_NEAR(h.process_cpu, 0.5, 1e-9);
    fs::remove_all(root);
}

TEST(ProcessSampler, MissingFilesLeaveZeros) {
    ProcessSampler sampler("/nonexistent-proc-root");
    metrics::GeneratorHealth h;
    sampler.Begin(kSec);
    sampler.Sample(3 * kSec, &h);
    EXPECT_EQ(h, metrics::GeneratorHealth());
}

double ProcessCpuSeconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::int64_t MonotonicNs() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return std::int64_t{ts.tv_sec} * kSec + ts.tv_nsec;
}

// The real /proc: CPU agrees with the kernel's own process clock, the connected socket shows as an ephemeral port.
TEST(ProcessSampler, MeasuresThisProcess) {
    const int listener = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(listener, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ASSERT_EQ(listen(listener, 4), 0);
    socklen_t len = sizeof addr;
    ASSERT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    const int client = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_EQ(connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const int accepted = accept(listener, nullptr, nullptr);
    ASSERT_GE(accepted, 0);

    ProcessSampler sampler;
    const std::int64_t begin_ns = MonotonicNs();
    const double begin_cpu = ProcessCpuSeconds();
    sampler.Begin(begin_ns);
    volatile std::uint64_t sink = 0;
    while (ProcessCpuSeconds() - begin_cpu < 0.4) sink = sink + 1;  // 0.4 s of CPU, however long that takes here
    const std::int64_t end_ns = MonotonicNs();
    const double used = ProcessCpuSeconds() - begin_cpu;
    metrics::GeneratorHealth h;
    sampler.Sample(end_ns, &h);
    const double expected = used / (static_cast<double>(end_ns - begin_ns) / 1e9);
    // Clock ticks (10 ms at 100 Hz) at both ends of the window.
    const double tick_error = 2.0 / static_cast<double>(sysconf(_SC_CLK_TCK)) / (static_cast<double>(end_ns - begin_ns) / 1e9);
    EXPECT_NEAR(h.process_cpu, expected, tick_error + 0.01);
    EXPECT_GT(h.host_cpu, 0.0);
    EXPECT_LE(h.host_cpu, 1.0);
    EXPECT_GT(h.rss_bytes, 1u << 20);
    EXPECT_GT(h.ephemeral_port_range, 0u);
    // Both ends of the connection hold a port the kernel picked from the range (the listener bound port 0); the
    // listener itself is not counted.
    EXPECT_GE(h.ephemeral_ports, 2u);
    close(accepted);
    close(client);
    close(listener);
}

}  // namespace
}  // namespace lse::health
