#pragma once
/// @file
/// Samples what the whole generator process uses, for GeneratorHealth: CPU (its own, in cores, and the host's busy
/// fraction) over the window since the previous sample, resident memory, and its TCP sockets' local ports against
/// net.ipv4.ip_local_port_range. Reads procfs (procfs.hpp parses it); called once a second by the thread that
/// gathers a run's intervals, never on a worker's loop. What cannot be read (no procfs, a container that hides a
/// file) stays 0: health is reported as far as it can be measured, and never stops a run.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>

#include "lse/health/procfs.hpp"
#include "lse/metrics/generator_health.hpp"

namespace lse::health {

class ProcessSampler {
public:
    /// proc_root is "/proc"; a test points it at a fixture tree of the same layout (self/stat, self/statm,
    /// self/fd/, stat, net/tcp, net/tcp6, sys/net/ipv4/ip_local_port_range).
    explicit ProcessSampler(std::string proc_root = "/proc");

    /// Starts a CPU window at now_ns (monotonic): the next Sample's CPU covers [now_ns, its own now_ns).
    void Begin(std::int64_t now_ns);

    /// Fills the process fields of *out (process_cpu, host_cpu, rss_bytes, ephemeral_ports, ephemeral_port_range)
    /// and starts the next CPU window. CPU stays 0 on the first call without Begin, or for a window shorter than
    /// a clock tick could measure. Costs one read of each file and a readlink per open descriptor.
    void Sample(std::int64_t now_ns, metrics::GeneratorHealth* out);

private:
    bool Read(const std::string& path);  // the whole file into buf_
    void ReadSocketInodes();             // the process's socket inodes into inodes_

    std::string root_;
    double ticks_per_sec_ = 100;
    std::uint64_t page_size_ = 4096;
    std::int64_t last_ns_ = 0;
    std::optional<std::uint64_t> last_process_ticks_;
    std::optional<HostCpuTicks> last_host_;
    std::unordered_set<std::uint64_t> inodes_;  // reused from sample to sample
    std::string buf_;
};

}  // namespace lse::health
