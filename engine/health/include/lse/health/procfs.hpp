#pragma once
/// @file
/// Parsers for the Linux procfs files the generator's health comes from (proc(5)). Pure functions of the
/// files' text, so each is tested with fixture text; ProcessSampler (process_sampler.hpp) reads the files.
/// Malformed text gives std::nullopt (or a zero count), never an exception: health is best effort and a kernel
/// that words a file differently must not stop a run.

#include <cstdint>
#include <optional>
#include <string_view>
#include <unordered_set>

namespace lse::health {

/// utime + stime of /proc/<pid>/stat (fields 14 and 15), in clock ticks (sysconf(_SC_CLK_TCK)). The command name
/// (field 2) may hold spaces and parentheses, so fields are counted after its last ')'.
std::optional<std::uint64_t> ParseProcessCpuTicks(std::string_view proc_pid_stat);

/// The host's CPU time from the first ("cpu ") line of /proc/stat, in clock ticks over all cores.
struct HostCpuTicks {
    std::uint64_t busy = 0;   ///< user, nice, system, irq, softirq, steal
    std::uint64_t total = 0;  ///< busy plus idle and iowait (guest time is inside user already)
};
std::optional<HostCpuTicks> ParseHostCpuTicks(std::string_view proc_stat);

/// Resident pages: the second field of /proc/<pid>/statm.
std::optional<std::uint64_t> ParseResidentPages(std::string_view proc_pid_statm);

/// net.ipv4.ip_local_port_range ("32768\t60999"): the ports the kernel picks for outgoing connections.
struct PortRange {
    std::uint32_t low = 0;
    std::uint32_t high = 0;
    std::uint32_t Size() const noexcept { return high >= low ? high - low + 1 : 0; }
    bool Contains(std::uint32_t port) const noexcept { return port >= low && port <= high; }
};
std::optional<PortRange> ParsePortRange(std::string_view ip_local_port_range);

/// The inode of a socket from an fd's link text ("socket:[12345]"); nullopt for anything else (files, pipes).
std::optional<std::uint64_t> ParseSocketInode(std::string_view fd_link);

/// The process's TCP sockets in one /proc/net/tcp or /proc/net/tcp6 table: rows whose inode is one of
/// `inodes` (the process's sockets), listening ones left out (they are not toward a target).
struct TcpSocketCount {
    std::uint32_t sockets = 0;          ///< connected or connecting, closing
    std::uint32_t ephemeral_ports = 0;  ///< of them, with a local port inside `range`
    TcpSocketCount& operator+=(const TcpSocketCount& o) noexcept {
        sockets += o.sockets;
        ephemeral_ports += o.ephemeral_ports;
        return *this;
    }
};
TcpSocketCount CountTcpSockets(std::string_view proc_net_tcp, const std::unordered_set<std::uint64_t>& inodes,
                               PortRange range);

}  // namespace lse::health
