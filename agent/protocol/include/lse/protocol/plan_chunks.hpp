#pragma once
/// @file
/// Moving an encoded plan (plan_codec.hpp bytes, opaque here) through a broker whose messages are
/// limited to kMaxMessageBytes: small plans ride inline in the Assignment, large ones are split
/// into PlanChunk messages that the agent reassembles in any order, ignoring duplicates, and
/// verifies against the Assignment's size and FNV-1a 64 checksum.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "lse/core/byte_codec.hpp"
#include "lse/protocol/limits.hpp"
#include "lse/protocol/messages.hpp"

namespace lse::protocol {

/// The plan checksum of Assignment and PlanChunk (FNV-1a 64 of the whole plan): the byte codec's.
using lse::Fnv1a64;

/// Splits `plan` into chunks of at most chunk_bytes (the last may be shorter; an empty plan gives
/// one empty chunk). Throws lse::UsageError when the plan exceeds kMaxPlanBytes, chunk_bytes is 0
/// or above kMaxPlanChunkBytes, or more than kMaxPlanChunks chunks would be needed.
std::vector<PlanChunk> SplitPlan(std::string_view run_id, std::string_view plan,
                                 std::size_t chunk_bytes = kDefaultPlanChunkBytes);

/// An Assignment and the chunks that follow it (none when the plan is inline).
struct PlanDelivery {
    Assignment assignment;
    std::vector<PlanChunk> chunks;
};

/// Fills assignment.plan_size/plan_checksum and either puts the plan inline (when the encoded
/// Assignment stays within max_message_bytes) or splits it into chunks of at most chunk_bytes
/// (lowered so every encoded PlanChunk fits in max_message_bytes). Throws lse::UsageError as SplitPlan,
/// or when the Assignment is too large even without its plan.
PlanDelivery PreparePlanDelivery(Assignment assignment, std::string plan,
                                 std::size_t max_message_bytes = kMaxMessageBytes,
                                 std::size_t chunk_bytes = kDefaultPlanChunkBytes);

/// VuPlans and the chunks that follow it (none when the plan is inline): PreparePlanDelivery's rule.
struct VuPlansDelivery {
    VuPlans message;
    std::vector<PlanChunk> chunks;
};
VuPlansDelivery PrepareVuPlansDelivery(VuPlans message, std::string plan,
                                       std::size_t max_message_bytes = kMaxMessageBytes,
                                       std::size_t chunk_bytes = kDefaultPlanChunkBytes);

/// Agent side: collects the chunks of the plan an Assignment (or a VuPlans) announced.
class PlanAssembler {
public:
    enum class Result : std::uint8_t {
        kAccepted,          ///< stored; more chunks are missing
        kComplete,          ///< this was the last missing chunk and the checksum matches: TakePlan()
        kDuplicate,         ///< this index was already stored with the same bytes: ignored
        kWrongPlan,         ///< run id, count, size or checksum differ from the Assignment: ignored
        kBadIndex,          ///< index >= count: ignored
        kConflict,          ///< this index was already stored with other bytes: failed
        kTooLarge,          ///< the bytes would exceed the announced size: failed
        kChecksumMismatch,  ///< all chunks present but size or FNV-1a 64 differ: failed
        kCount
    };

    /// From the Assignment (plan_chunks > 0). Throws lse::UsageError when it announces more than
    /// kMaxPlanBytes or kMaxPlanChunks, or zero chunks.
    explicit PlanAssembler(const Assignment& assignment);
    /// From a VuPlans (plan_chunks > 0); throws as above.
    explicit PlanAssembler(const VuPlans& plans);

    /// Stores one chunk. After a failing result (kConflict, kTooLarge, kChecksumMismatch) failed()
    /// is true and every further chunk is ignored with the same result: the agent sends a Reject.
    Result Add(const PlanChunk& chunk);

    bool complete() const noexcept { return complete_; }
    bool failed() const noexcept { return failure_ != Result::kAccepted; }
    std::uint32_t received() const noexcept { return received_; }
    std::uint32_t count() const noexcept { return count_; }
    /// The whole plan once complete() (moves it out; call once).
    std::string TakePlan();

    std::uint64_t checksum() const noexcept { return checksum_; }

private:
    PlanAssembler(std::string run_id, std::uint64_t size, std::uint64_t checksum, std::uint32_t count);

    std::string run_id_;
    std::uint64_t size_;
    std::uint64_t checksum_;
    std::uint32_t count_;
    std::uint32_t received_ = 0;
    std::uint64_t bytes_ = 0;
    std::vector<std::string> chunks_;
    std::vector<bool> present_;
    bool complete_ = false;
    Result failure_ = Result::kAccepted;
};

std::string_view PlanAssemblerResultName(PlanAssembler::Result result) noexcept;

}  // namespace lse::protocol
