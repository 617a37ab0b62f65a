#include "lse/report/interval_aligner.hpp"

#include <algorithm>

#include "lse/core/clock.hpp"
#include "lse/thresholds/generator_stats.hpp"

namespace lse::report {
namespace {

std::uint64_t Minus(std::uint64_t a, std::uint64_t b) { return a > b ? a - b : 0; }

// a - b for a histogram that received every sample of b: bucket by bucket.
metrics::Histogram Minus(const metrics::Histogram& a, const metrics::Histogram& b) {
    std::map<std::int64_t, std::uint64_t> taken;
    b.ForEachBucket([&taken](std::int64_t lowest, std::int64_t, std::uint64_t n) { taken[lowest] += n; });
    metrics::Histogram out;
    a.ForEachBucket([&](std::int64_t lowest, std::int64_t, std::uint64_t n) {
        auto it = taken.find(lowest);
        const std::uint64_t left = Minus(n, it == taken.end() ? 0 : it->second);
        if (left > 0) out.RecordN(lowest, left);
    });
    return out;
}

metrics::RequestStats Minus(const metrics::RequestStats& a, const metrics::RequestStats& b) {
    metrics::RequestStats out;
    out.requests = Minus(a.requests, b.requests);
    out.ok = Minus(a.ok, b.ok);
    for (std::size_t i = 0; i < out.errors_by_kind.size(); ++i) {
        out.errors_by_kind[i] = Minus(a.errors_by_kind[i], b.errors_by_kind[i]);
    }
    out.dropped = Minus(a.dropped, b.dropped);
    out.bytes_received = Minus(a.bytes_received, b.bytes_received);
    out.bytes_sent = Minus(a.bytes_sent, b.bytes_sent);
    out.bytes_decoded = Minus(a.bytes_decoded, b.bytes_decoded);
    out.service_time_us = Minus(a.service_time_us, b.service_time_us);
    out.response_time_us = Minus(a.response_time_us, b.response_time_us);
    return out;
}

}  // namespace

IntervalAligner::IntervalAligner(std::int64_t start_ns, std::int64_t run_ns, std::int64_t settle_ns)
    : start_ns_(start_ns), run_ns_(run_ns), settle_ns_(settle_ns) {}

// A source's interval is [k, k+1) s after the start, give or take the agents' clock-offset error: its
// middle (or, for several merged seconds, the middle of its last second) tells k robustly.
std::int64_t IntervalAligner::SecondOf(const metrics::Snapshot& s) const {
    if (!s.HasInterval()) return next_second_;
    const std::int64_t mid_end = s.end_ns - std::min<std::int64_t>(kNsPerSec / 2, (s.end_ns - s.start_ns) / 2);
    const std::int64_t offset = mid_end - start_ns_;
    const std::int64_t second = offset >= 0 ? offset / kNsPerSec : -1;
    return std::max(second, next_second_);
}

void IntervalAligner::Add(const metrics::Snapshot& arrived) {
    const bool empty = arrived.by_name.empty() && arrived.checks.empty() && arrived.total.requests == 0 &&
                       arrived.total.dropped == 0 && thresholds::ReportingGenerators(arrived) == 0;
    if (!arrived.HasInterval() && empty) return;  // nothing arrived since the last look
    added_ += arrived.total;
    if (arrived.HasInterval()) added_end_ns_ = std::max(added_end_ns_, arrived.end_ns);
    held_[SecondOf(arrived)] += arrived;
}

std::vector<metrics::Snapshot> IntervalAligner::TakeReady(std::int64_t now_ns) {
    std::vector<metrics::Snapshot> out;
    while (!held_.empty()) {
        auto it = held_.begin();
        const std::int64_t second_end = start_ns_ + (it->first + 1) * kNsPerSec;
        if (now_ns < second_end + settle_ns_) break;
        if (it->first * kNsPerSec < run_ns_) out.push_back(std::move(it->second));
        next_second_ = it->first + 1;
        held_.erase(it);
    }
    // Seconds that received nothing are passed too, so late data does not fall into an old second.
    next_second_ = std::max(next_second_, (now_ns - settle_ns_ - start_ns_) / kNsPerSec);
    return out;
}

std::vector<metrics::Snapshot> IntervalAligner::TakeAll() {
    std::vector<metrics::Snapshot> out;
    for (auto& [second, snapshot] : held_) {
        if (second * kNsPerSec < run_ns_) out.push_back(std::move(snapshot));
        next_second_ = second + 1;
    }
    held_.clear();
    return out;
}

std::vector<metrics::Snapshot> IntervalAligner::Finish(const metrics::Snapshot& run_total) {
    std::vector<metrics::Snapshot> out = TakeAll();
    metrics::Snapshot rest;
    rest.total = Minus(run_total.total, added_);
    rest.start_ns = std::max(added_end_ns_, start_ns_);
    rest.end_ns = std::max(run_total.end_ns, rest.start_ns + 1);
    if (rest.total.requests > 0 && rest.start_ns - start_ns_ < run_ns_) out.push_back(std::move(rest));
    return out;
}

}  // namespace lse::report
