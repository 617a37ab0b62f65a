#pragma once
/// @file
/// Latency histogram in the style of HdrHistogram (log-linear buckets, 3 significant digits),
/// written from scratch. Values are int64 MICROSECONDS.
///
/// Layout. Like HdrHistogram with unit magnitude 0 and 2048 sub-buckets per power of two:
///   - values 0..2047 each have their own counter (resolution 1 µs);
///   - every further power of two [2^k, 2^(k+1)), k >= 11, is split into 1024 equal counters
///     of width 2^(k-10).
/// A counter's width is therefore at most 1/1024 of its lowest value: any value reported from
/// a bucket is within 0.098% of the samples in it. The range ends at kMaxValue = 2^36-1 µs
/// (about 19 hours); that needs kCountsLen = 27 * 1024 = 27648 counters (216 KiB).
///
/// Storage. The counters live in 27 pages of 1024 (8 KiB each), a page allocated the first time
/// a value falls in it: latencies cluster in a few powers of two, so a typical histogram holds
/// 2-5 pages, and building, copying and merging the per-second interval histograms costs only
/// what is used (a dense array cost 216 KiB of zeroing per histogram per second). Reset keeps the
/// pages, so a histogram that is reused (the workers' interval histograms) stops allocating once
/// its pages exist; RecordN allocates only when a value lands in a page for the first time.
///
/// Decoded histograms (the coordinator's path: a message from each agent every second) also remember which
/// counters the decode wrote, in increasing order, until anything else changes them. Merging such a histogram
/// into another then adds only those counters, and resetting it before the next decode zeroes only them, instead of
/// walking every counter between min and max: an interval of a few thousand samples spread over 10 ms..500 ms
/// spans ~10,000 counters but fills a few hundred to a few thousand. Nothing else changes: the list is a cache.
///
/// Out-of-range values: a value above kMaxValue is recorded as kMaxValue and also counted in
/// Overflow(). A negative value (clock step, caller bug) is recorded as 0. 0 is a valid value
/// with its own counter: sub-microsecond latencies truncated to µs land there.
///
/// Exact extras: Count, Min, Max, Sum and Overflow are tracked exactly, beside the buckets, so
/// Min/Max/Mean are exact and ValueAtPercentile(100) == Max(). Sum is uint64 and wraps only
/// after ~2^28 samples of kMaxValue (years of load), which we accept.
///
/// Wire format (version 1), produced by AppendTo and checked by Decode. "varint" is unsigned
/// LEB128 (lse/core/byte_codec.hpp):
///   byte    'H'            magic / type tag
///   byte    0x01           version
///   varint  count          total number of samples; if 0 the encoding ends here (3 bytes)
///   varint  min            exact minimum (µs)
///   varint  max            exact maximum (µs), <= kMaxValue
///   varint  overflow       samples that were clamped to kMaxValue, <= count
///   varint  sum            exact sum of recorded (clamped) values, mod 2^64
///   then, for every non-empty counter in increasing index order, until the counts add up
///   to `count`:
///     varint  token        gap * 4 + (n <= 3 ? n : 0), where n is the counter's value and
///                          gap = index - (previous index + 1), the previous index starting at -1
///     varint  n            only when the token's low two bits are 0: the counter's value, >= 4
///   Folding the common small counts into the token makes a bucket cost one byte when gap < 32
///   and n <= 3: 1000 log-normal samples over ~450 counters encode to ~540 bytes.
/// Decode rejects: wrong tag/version, truncation, a varint longer than 10 bytes, an index
/// beyond the array, an explicit n < 4, counts whose sum exceeds `count`, min > max,
/// max > kMaxValue, overflow > count, overflow without max == kMaxValue, and min/max that do not
/// fall in the first/last non-empty counter.

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lse::metrics {

class Histogram {
public:
    static constexpr int kSubBucketHalfCountMagnitude = 10;
    static constexpr std::int64_t kSubBucketHalfCount = std::int64_t{1} << kSubBucketHalfCountMagnitude;  // 1024
    static constexpr std::int64_t kSubBucketCount = 2 * kSubBucketHalfCount;                              // 2048
    static constexpr int kMaxValueMagnitude = 36;
    static constexpr std::int64_t kMaxValue = (std::int64_t{1} << kMaxValueMagnitude) - 1;
    /// Buckets 0..25: bucket 0 covers [0, 2048), bucket b >= 1 covers [2^(10+b), 2^(11+b)).
    static constexpr int kBucketCount = kMaxValueMagnitude - kSubBucketHalfCountMagnitude;
    static constexpr std::size_t kCountsLen = static_cast<std::size_t>((kBucketCount + 1) * kSubBucketHalfCount);
    static constexpr char kWireTag = 'H';
    static constexpr std::uint8_t kWireVersion = 1;

    static constexpr std::size_t kPageSize = static_cast<std::size_t>(kSubBucketHalfCount);
    static constexpr std::size_t kPageCount = kCountsLen / kPageSize;

    Histogram() = default;
    // Copyable and movable; a moved-from histogram is empty and fully usable.
    Histogram(const Histogram& other);
    Histogram& operator=(const Histogram& other);
    Histogram(Histogram&& other) noexcept;
    Histogram& operator=(Histogram&& other) noexcept;

    /// O(1); allocates one page the first time a value lands in it (file comment). See the file
    /// comment for clamping of out-of-range values.
    void Record(std::int64_t value_us) noexcept { RecordN(value_us, 1); }
    void RecordN(std::int64_t value_us, std::uint64_t n) noexcept;

    std::uint64_t Count() const noexcept { return total_count_; }
    /// Exact smallest / largest recorded (clamped) value; 0 when empty.
    std::int64_t Min() const noexcept { return total_count_ == 0 ? 0 : min_; }
    std::int64_t Max() const noexcept { return total_count_ == 0 ? 0 : max_; }
    /// Values that were above kMaxValue and recorded as kMaxValue.
    std::uint64_t Overflow() const noexcept { return overflow_; }
    std::uint64_t Sum() const noexcept { return sum_; }
    /// Exact arithmetic mean; 0 when empty.
    double Mean() const noexcept;
    /// Population standard deviation around the exact mean, computed from the buckets (each
    /// bucket's samples taken at its midpoint), so within bucket resolution. 0 when empty.
    double StdDev() const noexcept;

    /// The value below or at which p percent (0..100) of the samples fall: the sample of rank
    /// ceil(p/100 * Count()) (at least 1), reported as the highest value equivalent to it
    /// (its bucket's upper end), capped at Max(). Hence never below the true sample and at most
    /// 0.1% above it. p <= 0 returns Min(), p >= 100 returns Max(), empty returns 0.
    std::int64_t ValueAtPercentile(double percentile) const noexcept;

    /// Number of samples whose bucket starts at or below value_us: all samples <= value_us plus
    /// any in value_us's own bucket above it (i.e. <= HighestEquivalentValue(value_us)). Exact
    /// when value_us is a bucket's highest equivalent value (e.g. any value < 2048).
    std::uint64_t CountAtOrBelow(std::int64_t value_us) const noexcept;

    /// Calls fn(std::int64_t lowest_us, std::int64_t highest_us, std::uint64_t count) for every
    /// non-empty bucket, in increasing order; [lowest, highest] is inclusive.
    template <typename Fn>
    void ForEachBucket(Fn&& fn) const {
        ForEachCounter([&](std::size_t i, std::uint64_t n) { fn(LowestValueAt(i), HighestValueAt(i), n); });
    }

    /// Calls fn(std::size_t index, std::uint64_t count) for every non-empty counter, in increasing
    /// index order.
    template <typename Fn>
    void ForEachCounter(Fn&& fn) const {
        if (total_count_ == 0) return;
        VisitCounters(IndexOf(min_), IndexOf(max_), [&](std::size_t i, std::uint64_t n) {
            fn(i, n);
            return true;
        });
    }

    /// Clears every sample and keeps the pages. Cost is proportional to the span of used buckets,
    /// so an interval histogram is cheap to reuse every second.
    void Reset() noexcept;

    /// Exact merge: the result equals the histogram of both sample sets. Allocates the pages
    /// `other` uses that this one lacks.
    Histogram& operator+=(const Histogram& other);
    bool operator==(const Histogram& other) const noexcept;

    /// Appends the wire encoding (file comment) to *out.
    void AppendTo(std::string* out) const;
    /// Decodes exactly one histogram that must fill all of `in`. On failure returns false, fills
    /// *error (when non-null) and leaves *out empty. Allocates only pages *out does not have yet.
    static bool Decode(std::string_view in, Histogram* out, std::string* error);
    /// Decodes one histogram from the front of *in and consumes it (for nesting in other
    /// encodings). Same failure contract as Decode; *in is unspecified after a failure.
    static bool DecodeFrom(std::string_view* in, Histogram* out, std::string* error);
    /// Adds the histogram encoded at the front of *in (consuming it) to *into, counter by counter as it reads
    /// them: the same result as DecodeFrom into a scratch histogram and `*into += scratch`, without the scratch
    /// (the coordinator's merge of every agent's interval, Snapshot::AddEncoded). Same checks as DecodeFrom; on
    /// failure the counters read before the bad one stay added (the exact extras do not), so a caller that
    /// needs exactness must discard *into then.
    static bool AddEncoded(std::string_view* in, Histogram* into, std::string* error);

    /// Pages of counters allocated (file comment: Storage); for tests and memory accounting.
    std::size_t PagesAllocated() const noexcept {
        return static_cast<std::size_t>(std::count_if(pages_.begin(), pages_.end(), [](const auto& p) { return p != nullptr; }));
    }

    /// Bucket geometry, public for tests and exporters.
    static std::size_t IndexOf(std::int64_t value_us) noexcept;
    static std::int64_t LowestValueAt(std::size_t index) noexcept;
    static std::int64_t HighestValueAt(std::size_t index) noexcept;
    static std::int64_t LowestEquivalentValue(std::int64_t value_us) noexcept {
        return LowestValueAt(IndexOf(value_us));
    }
    static std::int64_t HighestEquivalentValue(std::int64_t value_us) noexcept {
        return HighestValueAt(IndexOf(value_us));
    }

private:
    // Clears counters and exact extras after a failed decode, whatever was half-written.
    void ClearAll() noexcept;
    // The counter at `index`, allocating its page if needed. Inline: it runs per sample and per decoded counter.
    std::uint64_t& CounterAt(std::size_t index) {
        if (pages_[index / kPageSize] == nullptr) AddPage(index / kPageSize);
        return pages_[index / kPageSize][index % kPageSize];
    }
    void AddPage(std::size_t page);
    // Only the counters `other`'s decode wrote (the sparse merge; other.HasDecodedIndexes()).
    void AddListed(const Histogram& other);
    // The counters of `other` in [first, last] added page by page (the dense merge).
    void AddSpan(const Histogram& other, std::size_t first, std::size_t last);
    // Calls fn(index, count) for the non-empty counters with first <= index <= last, in increasing order,
    // while fn returns true (percentile lookups stop at their rank).
    template <typename Fn>
    void VisitCounters(std::size_t first, std::size_t last, Fn&& fn) const {
        for (std::size_t p = first / kPageSize; p <= last / kPageSize; ++p) {
            const std::uint64_t* page = pages_[p].get();
            if (page == nullptr) continue;
            const auto [from, to] = PageSpan(p, first, last);
            for (std::size_t k = from; k <= to; ++k) {
                if (page[k] != 0 && !fn(p * kPageSize + k, page[k])) return;
            }
        }
    }
    // The offsets within page p of the indexes [first, last] it holds (p must overlap that range).
    static std::pair<std::size_t, std::size_t> PageSpan(std::size_t p, std::size_t first, std::size_t last) noexcept {
        const std::size_t base = p * kPageSize;
        return {std::max(first, base) - base, std::min(last, base + kPageSize - 1) - base};
    }
    // 0 for a counter whose page was never allocated.
    std::uint64_t CountAt(std::size_t index) const noexcept {
        const std::uint64_t* page = pages_[index / kPageSize].get();
        return page == nullptr ? 0 : page[index % kPageSize];
    }

    // The decoded histogram's non-empty counters (file comment), valid while `decoded_total_ == total_count_ != 0`:
    // every change but a decode either raises total_count_ (Record, +=) or clears the list (Reset, ClearAll).
    bool HasDecodedIndexes() const noexcept { return total_count_ != 0 && decoded_total_ == total_count_; }
    void ForgetDecodedIndexes() noexcept {
        decoded_indexes_.clear();
        decoded_total_ = 0;
    }

    std::array<std::unique_ptr<std::uint64_t[]>, kPageCount> pages_;
    std::vector<std::uint32_t> decoded_indexes_;
    std::uint64_t decoded_total_ = 0;
    std::uint64_t total_count_ = 0;
    std::uint64_t overflow_ = 0;
    std::uint64_t sum_ = 0;
    // Sentinels while empty keep operator== a plain field comparison.
    std::int64_t min_ = kEmptyMin;
    std::int64_t max_ = 0;

    static constexpr std::int64_t kEmptyMin = kMaxValue + 1;
};

}  // namespace lse::metrics
