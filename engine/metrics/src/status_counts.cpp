#include "lse/metrics/status_counts.hpp"

#include <algorithm>

#include "lse/core/byte_codec.hpp"
#include "lse/metrics/wire.hpp"

namespace lse::metrics {
namespace {
constexpr std::string_view kWhat = "status counts";
}  // namespace

std::uint64_t StatusCounts::Total() const noexcept { return CountRange(kMinStatus, kMaxStatus) + other_; }

std::uint64_t StatusCounts::CountRange(int first, int last) const noexcept {
    first = std::max(first, kMinStatus);
    last = std::min(last, kMaxStatus);
    std::uint64_t sum = 0;
    for (int s = first; s <= last; ++s) sum += counts_[static_cast<std::size_t>(s - kMinStatus)];
    return sum;
}

StatusCounts& StatusCounts::operator+=(const StatusCounts& other) noexcept {
    for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
    other_ += other.other_;
    return *this;
}

void StatusCounts::AppendTo(std::string* out) const {
    wire::AppendHeader(out, kWireTag, kWireVersion);
    ByteWriter w(out);
    w.U64(other_);
    const auto entries = static_cast<std::uint64_t>(
        std::count_if(counts_.begin(), counts_.end(), [](std::uint64_t c) { return c != 0; }));
    w.U64(entries);
    int previous = kMinStatus - 1;
    ForEachNonZero([&](int status, std::uint64_t count) {
        w.U64(static_cast<std::uint64_t>(status - previous - 1));
        w.U64(count);
        previous = status;
    });
}

bool StatusCounts::Decode(std::string_view in, StatusCounts* out, std::string* error) {
    if (!DecodeFrom(&in, out, error)) return false;
    if (!in.empty()) {
        out->Reset();
        return wire::Fail(error, kWhat, "trailing bytes");
    }
    return true;
}

bool StatusCounts::DecodeFrom(std::string_view* in, StatusCounts* out, std::string* error) {
    out->Reset();
    if (!wire::ReadHeader(in, kWireTag, kWireVersion, kWhat, error)) return false;
    ByteReader r(in);
    const std::uint64_t other = r.U64("truncated");
    const std::uint64_t entries = r.U64("truncated");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    if (entries > static_cast<std::uint64_t>(kStatusSlots)) return wire::Fail(error, kWhat, "too many entries");
    std::uint64_t previous = kMinStatus - 1;
    for (std::uint64_t e = 0; e < entries; ++e) {
        const std::uint64_t gap = r.U64("truncated entries");
        const std::uint64_t n = r.U64("truncated entries");
        if (!r.ok()) {
            out->Reset();
            return wire::Fail(error, kWhat, r.error());
        }
        if (gap > static_cast<std::uint64_t>(kStatusSlots) || previous + 1 + gap > kMaxStatus) {
            out->Reset();
            return wire::Fail(error, kWhat, "status code out of range");
        }
        if (n == 0) {
            out->Reset();
            return wire::Fail(error, kWhat, "zero count entry");
        }
        previous += 1 + gap;
        out->counts_[static_cast<std::size_t>(previous - kMinStatus)] = n;
    }
    out->other_ = other;
    return true;
}

bool StatusCounts::AddEncoded(std::string_view* in, StatusCounts* into, std::string* error) {
    if (!wire::ReadHeader(in, kWireTag, kWireVersion, kWhat, error)) return false;
    ByteReader r(in);
    const std::uint64_t other = r.U64("truncated");
    const std::uint64_t entries = r.U64("truncated");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    if (entries > static_cast<std::uint64_t>(kStatusSlots)) return wire::Fail(error, kWhat, "too many entries");
    std::uint64_t previous = kMinStatus - 1;
    for (std::uint64_t e = 0; e < entries; ++e) {
        const std::uint64_t gap = r.U64("truncated entries");
        const std::uint64_t n = r.U64("truncated entries");
        if (!r.ok()) return wire::Fail(error, kWhat, r.error());
        if (gap > static_cast<std::uint64_t>(kStatusSlots) || previous + 1 + gap > kMaxStatus) {
            return wire::Fail(error, kWhat, "status code out of range");
        }
        if (n == 0) return wire::Fail(error, kWhat, "zero count entry");
        previous += 1 + gap;
        into->counts_[static_cast<std::size_t>(previous - kMinStatus)] += n;
    }
    into->other_ += other;
    return true;
}

}  // namespace lse::metrics
