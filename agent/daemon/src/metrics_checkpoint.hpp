#pragma once
/// @file
/// The agent's running sum of the intervals it published in this session, sent every few intervals as a
/// checkpoint (docs/protocol.md, "Checkpoints"): the coordinator keeps the latest one as bytes, in case this
/// agent's final total never comes, instead of merging every interval into a per-agent sum of its own (that merge
/// was half its cost with 1000 agents, bench/merge_benchmark.cpp). The agent pays one merge per interval here.

#include <cstdint>

#include "lse/metrics/snapshot.hpp"

namespace lse::agent {

class MetricsCheckpoint {
public:
    /// Every `every` intervals a checkpoint is due (10: the coordinator holds at most ~10 intervals per agent
    /// beside the checkpoint; a checkpoint is a cumulative snapshot, about the size of the final).
    explicit MetricsCheckpoint(std::uint32_t every = 10) : every_(every == 0 ? 1 : every) {}

    /// Adds a published interval (already in the coordinator's clock); true when a checkpoint is due now.
    bool Add(const metrics::Snapshot& interval) {
        sum_ += interval;
        return ++since_last_ % every_ == 0;
    }
    /// The sum of every interval added since Reset: what the checkpoint carries.
    const metrics::Snapshot& sum() const noexcept { return sum_; }
    /// A new session (or its end): nothing summed.
    void Reset() {
        sum_ = metrics::Snapshot{};
        since_last_ = 0;
    }

private:
    std::uint32_t every_;
    std::uint32_t since_last_ = 0;
    metrics::Snapshot sum_;
};

}  // namespace lse::agent
