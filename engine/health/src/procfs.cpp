#include "lse/health/procfs.hpp"

#include <array>
#include <charconv>

namespace lse::health {
namespace {

constexpr bool IsSpace(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Splits off the next whitespace-separated field of *text (empty when none is left).
std::string_view NextField(std::string_view* text) noexcept {
    std::size_t i = 0;
    while (i < text->size() && IsSpace((*text)[i])) ++i;
    std::size_t j = i;
    while (j < text->size() && !IsSpace((*text)[j])) ++j;
    const std::string_view field = text->substr(i, j - i);
    text->remove_prefix(j);
    return field;
}

std::optional<std::uint64_t> Number(std::string_view field, int base = 10) noexcept {
    std::uint64_t v = 0;
    if (field.empty()) return std::nullopt;
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), v, base);
    if (ec != std::errc() || end != field.data() + field.size()) return std::nullopt;
    return v;
}

// The first line of `text`, without its newline.
std::string_view FirstLine(std::string_view text) noexcept { return text.substr(0, text.find('\n')); }

// The kernel's TCP_LISTEN state, as /proc/net/tcp's "st" column prints it.
constexpr std::uint64_t kTcpListen = 0x0A;

}  // namespace

std::optional<std::uint64_t> ParseProcessCpuTicks(std::string_view stat) {
    const std::size_t paren = stat.rfind(')');
    if (paren == std::string_view::npos) return std::nullopt;
    std::string_view rest = stat.substr(paren + 1);
    // rest starts at field 3 (state): utime and stime are fields 14 and 15.
    for (int number = 3; number <= 13; ++number) {
        if (NextField(&rest).empty()) return std::nullopt;
    }
    const auto utime = Number(NextField(&rest));
    const auto stime = Number(NextField(&rest));
    if (!utime || !stime) return std::nullopt;
    return *utime + *stime;
}

std::optional<HostCpuTicks> ParseHostCpuTicks(std::string_view proc_stat) {
    std::string_view line = FirstLine(proc_stat);
    if (NextField(&line) != "cpu") return std::nullopt;
    // user nice system idle iowait irq softirq steal [guest guest_nice]: the first eight are disjoint.
    std::array<std::uint64_t, 8> v{};
    for (std::size_t i = 0; i < v.size(); ++i) {
        const auto n = Number(NextField(&line));
        if (!n) {
            if (i < 4) return std::nullopt;  // kernels before 2.6 stop after idle; those four must be there
            break;
        }
        v[i] = *n;
    }
    HostCpuTicks t;
    t.busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
    t.total = t.busy + v[3] + v[4];
    return t;
}

std::optional<std::uint64_t> ParseResidentPages(std::string_view statm) {
    if (NextField(&statm).empty()) return std::nullopt;  // size
    return Number(NextField(&statm));
}

std::optional<PortRange> ParsePortRange(std::string_view text) {
    const auto low = Number(NextField(&text));
    const auto high = Number(NextField(&text));
    if (!low || !high || *low > 65535 || *high > 65535 || *low > *high) return std::nullopt;
    return PortRange{static_cast<std::uint32_t>(*low), static_cast<std::uint32_t>(*high)};
}

std::optional<std::uint64_t> ParseSocketInode(std::string_view link) {
    constexpr std::string_view kPrefix = "socket:[";
    if (link.size() <= kPrefix.size() + 1 || link.substr(0, kPrefix.size()) != kPrefix || link.back() != ']') {
        return std::nullopt;
    }
    return Number(link.substr(kPrefix.size(), link.size() - kPrefix.size() - 1));
}

TcpSocketCount CountTcpSockets(std::string_view table, const std::unordered_set<std::uint64_t>& inodes,
                               PortRange range) {
    TcpSocketCount count;
    if (inodes.empty()) return count;
    // The first line is the header: "sl local_address rem_address st ... inode ...".
    std::size_t nl = table.find('\n');
    while (nl != std::string_view::npos) {
        table.remove_prefix(nl + 1);
        nl = table.find('\n');
        std::string_view row = table.substr(0, nl);
        std::array<std::string_view, 10> f;  // sl, local, remote, st, tx:rx, tr:when, retrnsmt, uid, timeout, inode
        for (auto& field : f) field = NextField(&row);
        const auto inode = Number(f[9]);
        // Inode 0: a TIME_WAIT row, which belongs to no process any more.
        if (!inode || *inode == 0 || inodes.count(*inode) == 0) continue;
        const auto state = Number(f[3], 16);
        if (!state || *state == kTcpListen) continue;
        ++count.sockets;
        const std::size_t colon = f[1].rfind(':');
        const auto port = colon == std::string_view::npos ? std::nullopt : Number(f[1].substr(colon + 1), 16);
        if (port && *port <= 65535 && range.Contains(static_cast<std::uint32_t>(*port))) ++count.ephemeral_ports;
    }
    return count;
}

}  // namespace lse::health
