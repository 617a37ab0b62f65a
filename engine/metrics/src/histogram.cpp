#include "lse/metrics/histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <utility>

namespace lse::metrics {
namespace {

constexpr std::uint64_t kSubBucketMask = static_cast<std::uint64_t>(Histogram::kSubBucketCount - 1);
// For v >= 2048 the bucket is (bit length of v) - 11; OR-ing the mask maps v < 2048 to bucket 0.
constexpr int kLeadingZeroCountBase = 64 - Histogram::kSubBucketHalfCountMagnitude - 1;
// A decoded histogram is merged counter by counter when it fills fewer than 1 in kSparseMergeRatio counters of its
// span: a listed counter costs an index load and a scattered add, a spanned one a vectorised add. Chosen with
// bench/merge_benchmark.cpp on a shared 2-core VM (noisy): 3 helped the light load and left the heavy one as it was;
// 4 without the page-by-page loop made the heavy load slower, 16 gave up most of the light load's gain.
constexpr std::size_t kSparseMergeRatio = 3;

}  // namespace

Histogram::Histogram(const Histogram& other)
    : decoded_indexes_(other.decoded_indexes_),
      decoded_total_(other.decoded_total_),
      total_count_(other.total_count_),
      overflow_(other.overflow_),
      sum_(other.sum_),
      min_(other.min_),
      max_(other.max_) {
    for (std::size_t p = 0; p < kPageCount; ++p) {
        if (other.pages_[p] == nullptr) continue;
        pages_[p] = std::make_unique_for_overwrite<std::uint64_t[]>(kPageSize);
        std::memcpy(pages_[p].get(), other.pages_[p].get(), kPageSize * sizeof(std::uint64_t));
    }
}

Histogram& Histogram::operator=(const Histogram& other) {
    if (this != &other) {
        Histogram copy(other);
        *this = std::move(copy);
    }
    return *this;
}

Histogram::Histogram(Histogram&& other) noexcept
    : pages_(std::move(other.pages_)),
      decoded_indexes_(std::move(other.decoded_indexes_)),
      decoded_total_(std::exchange(other.decoded_total_, 0)),
      total_count_(std::exchange(other.total_count_, 0)),
      overflow_(std::exchange(other.overflow_, 0)),
      sum_(std::exchange(other.sum_, 0)),
      min_(std::exchange(other.min_, kEmptyMin)),
      max_(std::exchange(other.max_, 0)) {}

Histogram& Histogram::operator=(Histogram&& other) noexcept {
    pages_.swap(other.pages_);
    decoded_indexes_.swap(other.decoded_indexes_);
    std::swap(decoded_total_, other.decoded_total_);
    std::swap(total_count_, other.total_count_);
    std::swap(overflow_, other.overflow_);
    std::swap(sum_, other.sum_);
    std::swap(min_, other.min_);
    std::swap(max_, other.max_);
    return *this;
}

void Histogram::AddPage(std::size_t page) { pages_[page] = std::make_unique<std::uint64_t[]>(kPageSize); }  // zeroed

std::size_t Histogram::IndexOf(std::int64_t value_us) noexcept {
    const std::uint64_t v = static_cast<std::uint64_t>(std::clamp<std::int64_t>(value_us, 0, kMaxValue));
    const int bucket = kLeadingZeroCountBase - std::countl_zero(v | kSubBucketMask);
    const auto sub_bucket = static_cast<std::int64_t>(v >> bucket);  // in [1024, 2048) unless bucket 0
    return static_cast<std::size_t>(((static_cast<std::int64_t>(bucket) + 1) << kSubBucketHalfCountMagnitude) +
                                    (sub_bucket - kSubBucketHalfCount));
}

std::int64_t Histogram::LowestValueAt(std::size_t index) noexcept {
    int bucket = static_cast<int>(index >> kSubBucketHalfCountMagnitude) - 1;
    std::int64_t sub_bucket = static_cast<std::int64_t>(index & (kSubBucketHalfCount - 1)) + kSubBucketHalfCount;
    if (bucket < 0) {  // the lower half of bucket 0: values 0..1023
        sub_bucket -= kSubBucketHalfCount;
        bucket = 0;
    }
    return sub_bucket << bucket;
}

std::int64_t Histogram::HighestValueAt(std::size_t index) noexcept {
    const int bucket = std::max(0, static_cast<int>(index >> kSubBucketHalfCountMagnitude) - 1);
    return LowestValueAt(index) + (std::int64_t{1} << bucket) - 1;
}

void Histogram::RecordN(std::int64_t value_us, std::uint64_t n) noexcept {
    if (n == 0) return;
    if (value_us < 0) value_us = 0;
    if (value_us > kMaxValue) {
        value_us = kMaxValue;
        overflow_ += n;
    }
    // RecordN is noexcept: an allocation failure for a new page ends the process (8 KiB).
    CounterAt(IndexOf(value_us)) += n;
    total_count_ += n;
    sum_ += static_cast<std::uint64_t>(value_us) * n;
    min_ = std::min(min_, value_us);
    max_ = std::max(max_, value_us);
}

double Histogram::Mean() const noexcept {
    return total_count_ == 0 ? 0.0 : static_cast<double>(sum_) / static_cast<double>(total_count_);
}

double Histogram::StdDev() const noexcept {
    if (total_count_ == 0) return 0.0;
    const double mean = Mean();
    double sum_sq = 0.0;
    ForEachBucket([&](std::int64_t lo, std::int64_t hi, std::uint64_t count) {
        // Midpoint of the inclusive range; exact for the width-1 counters below 2048.
        const double d = (static_cast<double>(lo) + static_cast<double>(hi)) / 2.0 - mean;
        sum_sq += d * d * static_cast<double>(count);
    });
    return std::sqrt(sum_sq / static_cast<double>(total_count_));
}

std::int64_t Histogram::ValueAtPercentile(double percentile) const noexcept {
    if (total_count_ == 0) return 0;
    if (!(percentile > 0.0)) return min_;  // also catches NaN
    if (percentile >= 100.0) return max_;
    // Rank of the wanted sample, 1-based. The tiny slack keeps exact products such as
    // 99.9% of 1000 (= 999.0000000000001 in binary) from being rounded up to the next rank.
    const double exact = percentile / 100.0 * static_cast<double>(total_count_);
    auto rank = static_cast<std::uint64_t>(std::ceil(exact - 1e-9 * std::max(1.0, exact)));
    rank = std::clamp<std::uint64_t>(rank, 1, total_count_);
    std::uint64_t seen = 0;
    std::int64_t found = max_;  // stays max_ only if the counts did not add up to total_count_
    VisitCounters(IndexOf(min_), IndexOf(max_), [&](std::size_t i, std::uint64_t n) {
        seen += n;
        if (seen < rank) return true;
        found = std::min(HighestValueAt(i), max_);
        return false;
    });
    return found;
}

std::uint64_t Histogram::CountAtOrBelow(std::int64_t value_us) const noexcept {
    if (total_count_ == 0 || value_us < min_) return 0;
    if (value_us >= max_) return total_count_;
    std::uint64_t seen = 0;
    VisitCounters(IndexOf(min_), IndexOf(value_us), [&](std::size_t, std::uint64_t n) {
        seen += n;
        return true;
    });
    return seen;
}

void Histogram::Reset() noexcept {
    if (HasDecodedIndexes()) {
        for (const std::uint32_t i : decoded_indexes_) pages_[i / kPageSize][i % kPageSize] = 0;
    } else if (total_count_ != 0) {
        const std::size_t first = IndexOf(min_);
        const std::size_t last = IndexOf(max_);
        for (std::size_t p = first / kPageSize; p <= last / kPageSize; ++p) {
            if (pages_[p] == nullptr) continue;
            const auto [from, to] = PageSpan(p, first, last);
            std::memset(pages_[p].get() + from, 0, (to - from + 1) * sizeof(std::uint64_t));
        }
    }
    ForgetDecodedIndexes();
    total_count_ = 0;
    overflow_ = 0;
    sum_ = 0;
    min_ = kEmptyMin;
    max_ = 0;
}

void Histogram::ClearAll() noexcept {
    for (auto& page : pages_) {
        if (page != nullptr) std::memset(page.get(), 0, kPageSize * sizeof(std::uint64_t));
    }
    ForgetDecodedIndexes();
    total_count_ = 0;
    overflow_ = 0;
    sum_ = 0;
    min_ = kEmptyMin;
    max_ = 0;
}

Histogram& Histogram::operator+=(const Histogram& other) {
    if (other.total_count_ == 0) return *this;
    if (&other == this) {  // doubling: every counter, through a copy of the pages read
        const Histogram copy(other);
        return *this += copy;
    }
    const std::size_t first = IndexOf(other.min_);
    const std::size_t last = IndexOf(other.max_);
    if (other.HasDecodedIndexes() && other.decoded_indexes_.size() * kSparseMergeRatio < last - first + 1) {
        AddListed(other);
    } else {
        AddSpan(other, first, last);
    }
    total_count_ += other.total_count_;
    overflow_ += other.overflow_;
    sum_ += other.sum_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
    return *this;
}

void Histogram::AddListed(const Histogram& other) {
    // The list is increasing: each page's run of indexes is added with the two page pointers looked up once.
    const std::vector<std::uint32_t>& list = other.decoded_indexes_;
    for (std::size_t k = 0; k < list.size();) {
        const std::size_t p = list[k] / kPageSize;
        if (pages_[p] == nullptr) AddPage(p);
        std::uint64_t* dst = pages_[p].get();
        const std::uint64_t* src = other.pages_[p].get();
        const std::uint32_t page_end = static_cast<std::uint32_t>((p + 1) * kPageSize);
        const std::size_t base = p * kPageSize;
        for (; k < list.size() && list[k] < page_end; ++k) dst[list[k] - base] += src[list[k] - base];
    }
}

void Histogram::AddSpan(const Histogram& other, std::size_t first, std::size_t last) {
    for (std::size_t p = first / kPageSize; p <= last / kPageSize; ++p) {
        const std::uint64_t* src = other.pages_[p].get();
        if (src == nullptr) continue;
        if (pages_[p] == nullptr) {
            pages_[p] = std::make_unique_for_overwrite<std::uint64_t[]>(kPageSize);
            std::memcpy(pages_[p].get(), src, kPageSize * sizeof(std::uint64_t));
            continue;
        }
        // Only the span other uses: a page of a narrow distribution is mostly zeros.
        std::uint64_t* dst = pages_[p].get();
        const auto [from, to] = PageSpan(p, first, last);
        for (std::size_t i = from; i <= to; ++i) dst[i] += src[i];
    }
}

bool Histogram::operator==(const Histogram& other) const noexcept {
    if (total_count_ != other.total_count_ || overflow_ != other.overflow_ || sum_ != other.sum_ ||
        min_ != other.min_ || max_ != other.max_) {
        return false;
    }
    if (total_count_ == 0) return true;
    // Equal min/max imply the same used span; everything outside it is zero in both.
    const std::size_t first = IndexOf(min_);
    const std::size_t last = IndexOf(max_);
    for (std::size_t i = first; i <= last; ++i) {
        if (CountAt(i) != other.CountAt(i)) return false;
    }
    return true;
}

}  // namespace lse::metrics
