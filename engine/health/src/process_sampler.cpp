#include "lse/health/process_sampler.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace lse::health {
namespace {

// Below this the CPU window is too short for clock ticks (10 ms at the usual 100 Hz) to say anything.
constexpr std::int64_t kMinWindowNs = 100'000'000;

template <typename T>
T Positive(long v, T fallback) noexcept {
    return v > 0 ? static_cast<T>(v) : fallback;
}

}  // namespace

ProcessSampler::ProcessSampler(std::string proc_root)
    : root_(std::move(proc_root)),
      ticks_per_sec_(Positive<double>(sysconf(_SC_CLK_TCK), 100)),
      page_size_(Positive<std::uint64_t>(sysconf(_SC_PAGESIZE), 4096)) {}

bool ProcessSampler::Read(const std::string& path) {
    buf_.clear();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    // procfs files report size 0: read until the end.
    char chunk[16384];
    for (;;) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        buf_.append(chunk, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return true;
}

void ProcessSampler::ReadSocketInodes() {
    inodes_.clear();
    const std::string dir_path = root_ + "/self/fd";
    DIR* dir = ::opendir(dir_path.c_str());
    if (dir == nullptr) return;
    const int dir_fd = ::dirfd(dir);
    char link[64];
    while (const dirent* e = ::readdir(dir)) {
        if (e->d_name[0] == '.') continue;
        const ssize_t n = ::readlinkat(dir_fd, e->d_name, link, sizeof link);
        if (n <= 0 || static_cast<std::size_t>(n) >= sizeof link) continue;
        if (const auto inode = ParseSocketInode(std::string_view(link, static_cast<std::size_t>(n)))) {
            inodes_.insert(*inode);
        }
    }
    ::closedir(dir);
}

void ProcessSampler::Begin(std::int64_t now_ns) {
    last_ns_ = now_ns;
    last_process_ticks_ = Read(root_ + "/self/stat") ? ParseProcessCpuTicks(buf_) : std::nullopt;
    last_host_ = Read(root_ + "/stat") ? ParseHostCpuTicks(buf_) : std::nullopt;
}

void ProcessSampler::Sample(std::int64_t now_ns, metrics::GeneratorHealth* out) {
    const std::int64_t window_ns = now_ns - last_ns_;
    const bool measurable = last_ns_ > 0 && window_ns >= kMinWindowNs;
    const auto process_ticks = Read(root_ + "/self/stat") ? ParseProcessCpuTicks(buf_) : std::nullopt;
    const auto host = Read(root_ + "/stat") ? ParseHostCpuTicks(buf_) : std::nullopt;
    if (measurable && process_ticks && last_process_ticks_ && *process_ticks >= *last_process_ticks_) {
        const double seconds = static_cast<double>(window_ns) / 1e9;
        const double cores = static_cast<double>(*process_ticks - *last_process_ticks_) / ticks_per_sec_ / seconds;
        out->process_cpu = std::clamp(cores, 0.0, metrics::kMaxProcessCpu);
    }
    if (measurable && host && last_host_ && host->total > last_host_->total && host->busy >= last_host_->busy) {
        const double busy = static_cast<double>(host->busy - last_host_->busy);
        out->host_cpu = std::clamp(busy / static_cast<double>(host->total - last_host_->total), 0.0, 1.0);
    }
    // The next window starts where this one ended, so consecutive samples cover the run without a gap.
    last_ns_ = now_ns;
    last_process_ticks_ = process_ticks;
    last_host_ = host;

    if (Read(root_ + "/self/statm")) {
        if (const auto pages = ParseResidentPages(buf_)) out->rss_bytes = *pages * page_size_;
    }
    PortRange range;  // unknown: {0, 0}, which no connected socket's port is in
    if (Read(root_ + "/sys/net/ipv4/ip_local_port_range")) {
        if (const auto parsed = ParsePortRange(buf_)) {
            range = *parsed;
            out->ephemeral_port_range = range.Size();
        }
    }
    ReadSocketInodes();
    TcpSocketCount tcp;
    for (const char* table : {"/net/tcp", "/net/tcp6"}) {
        if (Read(root_ + table)) tcp += CountTcpSockets(buf_, inodes_, range);
    }
    out->ephemeral_ports = std::min(tcp.ephemeral_ports, metrics::kMaxPorts);
}

}  // namespace lse::health
