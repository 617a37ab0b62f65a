#include "lse/protocol/plan_chunks.hpp"

#include <algorithm>
#include <utility>

#include "lse/core/errors.hpp"
#include "lse/protocol/codec.hpp"

namespace lse::protocol {

std::vector<PlanChunk> SplitPlan(std::string_view run_id, std::string_view plan, std::size_t chunk_bytes) {
    if (plan.size() > kMaxPlanBytes) {
        throw UsageError("plan of " + std::to_string(plan.size()) + " bytes exceeds the limit of " +
                         std::to_string(kMaxPlanBytes) + " bytes");
    }
    if (chunk_bytes == 0 || chunk_bytes > kMaxPlanChunkBytes) {
        throw UsageError("plan chunk size must be within 1.." + std::to_string(kMaxPlanChunkBytes) + " bytes");
    }
    const std::size_t count = plan.empty() ? 1 : (plan.size() + chunk_bytes - 1) / chunk_bytes;
    if (count > kMaxPlanChunks) {
        throw UsageError("plan needs " + std::to_string(count) + " chunks, more than the limit of " +
                         std::to_string(kMaxPlanChunks));
    }
    const std::uint64_t checksum = Fnv1a64(plan);
    std::vector<PlanChunk> chunks(count);
    for (std::size_t i = 0; i < count; ++i) {
        PlanChunk& c = chunks[i];
        c.run_id = std::string(run_id);
        c.index = static_cast<std::uint32_t>(i);
        c.count = static_cast<std::uint32_t>(count);
        c.plan_size = plan.size();
        c.plan_checksum = checksum;
        c.bytes = std::string(plan.substr(std::min(plan.size(), i * chunk_bytes), chunk_bytes));
    }
    return chunks;
}

PlanDelivery PreparePlanDelivery(Assignment assignment, std::string plan, std::size_t max_message_bytes,
                                 std::size_t chunk_bytes) {
    if (plan.size() > kMaxPlanBytes) {
        throw UsageError("plan of " + std::to_string(plan.size()) + " bytes exceeds the limit of " +
                         std::to_string(kMaxPlanBytes) + " bytes");
    }
    PlanDelivery d;
    d.assignment = std::move(assignment);
    d.assignment.plan_size = plan.size();
    d.assignment.plan_checksum = Fnv1a64(plan);
    d.assignment.plan_chunks = 0;
    d.assignment.plan.clear();
    // The encoded size is the size without the plan plus the plan and its (longer) length prefix.
    const std::size_t bare = EncodeAssignment(d.assignment).size();
    if (bare + plan.size() + 10 <= max_message_bytes) {
        d.assignment.plan = std::move(plan);
        return d;
    }
    // A chunk's own fields take at most ~110 bytes (run id <= 64, five varints, header).
    constexpr std::size_t kChunkOverhead = 128;
    if (max_message_bytes > kChunkOverhead) chunk_bytes = std::min(chunk_bytes, max_message_bytes - kChunkOverhead);
    d.chunks = SplitPlan(d.assignment.run_id, plan, chunk_bytes);
    d.assignment.plan_chunks = static_cast<std::uint32_t>(d.chunks.size());
    if (EncodeAssignment(d.assignment).size() > max_message_bytes) {
        throw UsageError("the assignment for agent '" + d.assignment.agent_id +
                         "' exceeds the message size limit even without its plan (too many virtual user ids?)");
    }
    return d;
}

VuPlansDelivery PrepareVuPlansDelivery(VuPlans message, std::string plan, std::size_t max_message_bytes,
                                       std::size_t chunk_bytes) {
    if (plan.size() > kMaxPlanBytes) {
        throw UsageError("plan of " + std::to_string(plan.size()) + " bytes exceeds the limit of " +
                         std::to_string(kMaxPlanBytes) + " bytes");
    }
    VuPlansDelivery d;
    d.message = std::move(message);
    d.message.plan_size = plan.size();
    d.message.plan_checksum = Fnv1a64(plan);
    d.message.plan_chunks = 0;
    d.message.plan.clear();
    const std::size_t bare = EncodeVuPlans(d.message).size();
    if (bare + plan.size() + 10 <= max_message_bytes) {
        d.message.plan = std::move(plan);
        return d;
    }
    constexpr std::size_t kChunkOverhead = 128;  // as PreparePlanDelivery
    if (max_message_bytes > kChunkOverhead) chunk_bytes = std::min(chunk_bytes, max_message_bytes - kChunkOverhead);
    d.chunks = SplitPlan(d.message.run_id, plan, chunk_bytes);
    d.message.plan_chunks = static_cast<std::uint32_t>(d.chunks.size());
    return d;
}

PlanAssembler::PlanAssembler(const Assignment& assignment)
    : PlanAssembler(assignment.run_id, assignment.plan_size, assignment.plan_checksum, assignment.plan_chunks) {}

PlanAssembler::PlanAssembler(const VuPlans& plans)
    : PlanAssembler(plans.run_id, plans.plan_size, plans.plan_checksum, plans.plan_chunks) {}

PlanAssembler::PlanAssembler(std::string run_id, std::uint64_t size, std::uint64_t checksum, std::uint32_t count)
    : run_id_(std::move(run_id)), size_(size), checksum_(checksum), count_(count) {
    if (count_ == 0 || count_ > kMaxPlanChunks) {
        throw UsageError("assignment announces " + std::to_string(count_) + " plan chunks (allowed 1.." +
                         std::to_string(kMaxPlanChunks) + ")");
    }
    if (size_ > kMaxPlanBytes) {
        throw UsageError("assignment announces a plan of " + std::to_string(size_) + " bytes, over the limit of " +
                         std::to_string(kMaxPlanBytes));
    }
    chunks_.resize(count_);
    present_.assign(count_, false);
}

PlanAssembler::Result PlanAssembler::Add(const PlanChunk& chunk) {
    if (failed()) return failure_;
    if (complete_) return Result::kDuplicate;
    if (chunk.run_id != run_id_ || chunk.count != count_ || chunk.plan_size != size_ ||
        chunk.plan_checksum != checksum_) {
        return Result::kWrongPlan;
    }
    if (chunk.index >= count_) return Result::kBadIndex;
    if (present_[chunk.index]) {
        if (chunks_[chunk.index] == chunk.bytes) return Result::kDuplicate;
        failure_ = Result::kConflict;
        return failure_;
    }
    // Bound memory by the announced size, not by what arrives.
    if (bytes_ + chunk.bytes.size() > size_) {
        failure_ = Result::kTooLarge;
        return failure_;
    }
    chunks_[chunk.index] = chunk.bytes;
    present_[chunk.index] = true;
    bytes_ += chunk.bytes.size();
    if (++received_ < count_) return Result::kAccepted;

    std::string whole;
    whole.reserve(static_cast<std::size_t>(bytes_));
    for (auto& c : chunks_) {
        whole.append(c);
        std::string().swap(c);
    }
    if (whole.size() != size_ || Fnv1a64(whole) != checksum_) {
        failure_ = Result::kChecksumMismatch;
        return failure_;
    }
    chunks_.assign(1, std::move(whole));
    complete_ = true;
    return Result::kComplete;
}

std::string PlanAssembler::TakePlan() {
    if (!complete_ || chunks_.empty()) return {};
    std::string plan = std::move(chunks_.front());
    chunks_.clear();
    return plan;
}

std::string_view PlanAssemblerResultName(PlanAssembler::Result result) noexcept {
    switch (result) {
        case PlanAssembler::Result::kAccepted: return "accepted";
        case PlanAssembler::Result::kComplete: return "complete";
        case PlanAssembler::Result::kDuplicate: return "duplicate";
        case PlanAssembler::Result::kWrongPlan: return "wrong-plan";
        case PlanAssembler::Result::kBadIndex: return "bad-index";
        case PlanAssembler::Result::kConflict: return "conflict";
        case PlanAssembler::Result::kTooLarge: return "too-large";
        case PlanAssembler::Result::kChecksumMismatch: return "checksum-mismatch";
        default: return "unknown";
    }
}

}  // namespace lse::protocol
