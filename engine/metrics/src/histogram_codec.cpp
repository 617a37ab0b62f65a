// Wire encoding of Histogram; the format is documented in lse/metrics/histogram.hpp.
#include "lse/core/byte_codec.hpp"
#include "lse/metrics/histogram.hpp"
#include "lse/metrics/wire.hpp"

namespace lse::metrics {
namespace {
constexpr std::string_view kWhat = "histogram";
// Low bits of a bucket token carry counts 1..3 inline; 0 means "explicit count follows".
constexpr int kCountBits = 2;
constexpr std::uint64_t kMaxInlineCount = (std::uint64_t{1} << kCountBits) - 1;
}  // namespace

void Histogram::AppendTo(std::string* out) const {
    wire::AppendHeader(out, kWireTag, kWireVersion);
    ByteWriter w(out);
    w.U64(total_count_);
    if (total_count_ == 0) return;
    w.U64(static_cast<std::uint64_t>(min_));
    w.U64(static_cast<std::uint64_t>(max_));
    w.U64(overflow_);
    w.U64(sum_);
    std::int64_t previous = -1;
    ForEachCounter([&](std::size_t i, std::uint64_t n) {
        const auto gap = static_cast<std::uint64_t>(static_cast<std::int64_t>(i) - previous - 1);
        if (n <= kMaxInlineCount) {
            w.U64((gap << kCountBits) | n);
        } else {
            w.U64(gap << kCountBits);
            w.U64(n);
        }
        previous = static_cast<std::int64_t>(i);
    });
}

bool Histogram::Decode(std::string_view in, Histogram* out, std::string* error) {
    if (!DecodeFrom(&in, out, error)) return false;
    if (!in.empty()) {
        out->ClearAll();
        return wire::Fail(error, kWhat, "trailing bytes");
    }
    return true;
}

bool Histogram::DecodeFrom(std::string_view* in, Histogram* out, std::string* error) {
    out->Reset();
    if (!wire::ReadHeader(in, kWireTag, kWireVersion, kWhat, error)) return false;
    ByteReader r(in);
    const std::uint64_t total = r.U64("truncated count");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    if (total == 0) return true;

    const std::uint64_t min = r.U64("truncated header fields");
    const std::uint64_t max = r.U64("truncated header fields");
    const std::uint64_t overflow = r.U64("truncated header fields");
    const std::uint64_t sum = r.U64("truncated header fields");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    if (max > static_cast<std::uint64_t>(kMaxValue)) return wire::Fail(error, kWhat, "max beyond range");
    if (min > max) return wire::Fail(error, kWhat, "min above max");
    if (overflow > total) return wire::Fail(error, kWhat, "overflow above count");
    if (overflow != 0 && max != static_cast<std::uint64_t>(kMaxValue)) {
        return wire::Fail(error, kWhat, "overflow without max at range end");
    }

    // From here on counters get written; any failure must wipe them all (ClearAll), since the
    // used span is not known yet.
    std::uint64_t seen = 0;
    std::int64_t previous = -1;
    std::int64_t first = -1;
    while (seen < total) {
        const std::uint64_t token = r.U64("truncated buckets");
        const std::uint64_t gap = token >> kCountBits;
        std::uint64_t n = token & kMaxInlineCount;
        if (r.ok() && n == 0) n = r.U64("truncated bucket count");
        if (!r.ok()) {
            out->ClearAll();
            return wire::Fail(error, kWhat, r.error());
        }
        // Small counts have the short form; 0 is never written.
        if ((token & kMaxInlineCount) == 0 && n <= kMaxInlineCount) {
            out->ClearAll();
            return wire::Fail(error, kWhat, "explicit bucket count below 4");
        }
        // The gap test comes first so the addition cannot overflow.
        if (gap >= kCountsLen || static_cast<std::uint64_t>(previous + 1) + gap >= kCountsLen) {
            out->ClearAll();
            return wire::Fail(error, kWhat, "bucket index out of range");
        }
        if (n > total - seen) {
            out->ClearAll();
            return wire::Fail(error, kWhat, "bucket counts do not add up");
        }
        const auto index = static_cast<std::size_t>(previous + 1 + static_cast<std::int64_t>(gap));
        out->CounterAt(index) = n;
        out->decoded_indexes_.push_back(static_cast<std::uint32_t>(index));
        seen += n;
        previous = static_cast<std::int64_t>(index);
        if (first < 0) first = previous;
    }
    if (static_cast<std::size_t>(first) != IndexOf(static_cast<std::int64_t>(min)) ||
        static_cast<std::size_t>(previous) != IndexOf(static_cast<std::int64_t>(max))) {
        out->ClearAll();
        return wire::Fail(error, kWhat, "min/max outside the non-empty buckets");
    }
    out->total_count_ = total;
    out->decoded_total_ = total;
    out->min_ = static_cast<std::int64_t>(min);
    out->max_ = static_cast<std::int64_t>(max);
    out->overflow_ = overflow;
    out->sum_ = sum;
    return true;
}

bool Histogram::AddEncoded(std::string_view* in, Histogram* into, std::string* error) {
    if (!wire::ReadHeader(in, kWireTag, kWireVersion, kWhat, error)) return false;
    ByteReader r(in);
    const std::uint64_t total = r.U64("truncated count");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    if (total == 0) return true;

    const std::uint64_t min = r.U64("truncated header fields");
    const std::uint64_t max = r.U64("truncated header fields");
    const std::uint64_t overflow = r.U64("truncated header fields");
    const std::uint64_t sum = r.U64("truncated header fields");
    if (!r.ok()) return wire::Fail(error, kWhat, r.error());
    if (max > static_cast<std::uint64_t>(kMaxValue)) return wire::Fail(error, kWhat, "max beyond range");
    if (min > max) return wire::Fail(error, kWhat, "min above max");
    if (overflow > total) return wire::Fail(error, kWhat, "overflow above count");
    if (overflow != 0 && max != static_cast<std::uint64_t>(kMaxValue)) {
        return wire::Fail(error, kWhat, "overflow without max at range end");
    }
    // Same walk and checks as DecodeFrom; each counter is added where it lands. The page pointer is looked up
    // once per run of counters in one page (consecutive counters of a latency histogram share pages).
    std::uint64_t seen = 0;
    std::int64_t previous = -1;
    std::int64_t first = -1;
    std::size_t page = kPageCount;
    std::uint64_t* dst = nullptr;
    // Counters change under the decoded-index list: it no longer describes them (even if a bad token stops us).
    into->ForgetDecodedIndexes();
    while (seen < total) {
        const std::uint64_t token = r.U64("truncated buckets");
        const std::uint64_t gap = token >> kCountBits;
        std::uint64_t n = token & kMaxInlineCount;
        if (r.ok() && n == 0) n = r.U64("truncated bucket count");
        if (!r.ok()) return wire::Fail(error, kWhat, r.error());
        if ((token & kMaxInlineCount) == 0 && n <= kMaxInlineCount) {
            return wire::Fail(error, kWhat, "explicit bucket count below 4");
        }
        if (gap >= kCountsLen || static_cast<std::uint64_t>(previous + 1) + gap >= kCountsLen) {
            return wire::Fail(error, kWhat, "bucket index out of range");
        }
        if (n > total - seen) return wire::Fail(error, kWhat, "bucket counts do not add up");
        const auto index = static_cast<std::size_t>(previous + 1 + static_cast<std::int64_t>(gap));
        if (index / kPageSize != page) {
            page = index / kPageSize;
            if (into->pages_[page] == nullptr) into->AddPage(page);
            dst = into->pages_[page].get();
        }
        dst[index % kPageSize] += n;
        seen += n;
        previous = static_cast<std::int64_t>(index);
        if (first < 0) first = previous;
    }
    if (static_cast<std::size_t>(first) != IndexOf(static_cast<std::int64_t>(min)) ||
        static_cast<std::size_t>(previous) != IndexOf(static_cast<std::int64_t>(max))) {
        return wire::Fail(error, kWhat, "min/max outside the non-empty buckets");
    }
    into->total_count_ += total;
    into->overflow_ += overflow;
    into->sum_ += sum;
    into->min_ = std::min(into->min_, static_cast<std::int64_t>(min));
    into->max_ = std::max(into->max_, static_cast<std::int64_t>(max));
    return true;
}

}  // namespace lse::metrics
