// libFuzzer target: every lse::protocol message decoder (payloads arrive from anyone who can publish
// on the broker), and the metrics snapshot nested in a Metrics message.
//
// Invariants: no crash or UB; a payload whose header names type T is rejected by every other decoder;
// a decoded message re-encodes to bytes that decode to an equal message and re-encode identically, and
// the re-encoding stays within kMaxMessageBytes.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "lse/metrics/snapshot.hpp"
#include "lse/protocol/codec.hpp"
#include "lse/protocol/limits.hpp"
#include "lse/protocol/messages.hpp"

namespace {

namespace p = lse::protocol;

template <typename Message>
using Decoder = bool (*)(std::string_view, Message*, std::string*);
template <typename Message>
using Encoder = std::string (*)(const Message&);

// Decodes `bytes` as Message; returns whether it decoded. When it did, checks the round trip.
template <typename Message>
bool Check(std::string_view bytes, Decoder<Message> decode, Encoder<Message> encode, Message* out = nullptr) {
    Message message;
    std::string error;
    if (!decode(bytes, &message, &error)) {
        if (error.empty()) std::abort();
        return false;
    }
    const std::string encoded = encode(message);
    if (encoded.size() > p::kMaxMessageBytes) std::abort();
    Message again;
    if (!decode(encoded, &again, &error)) std::abort();
    if (!(again == message)) std::abort();
    if (encode(again) != encoded) std::abort();
    if (out != nullptr) *out = std::move(message);
    return true;
}

// Runs every decoder; returns how many accepted the bytes.
int DecodeWithAll(std::string_view bytes, p::Metrics* metrics, bool* metrics_ok) {
    int accepted = 0;
    accepted += Check<p::Register>(bytes, p::DecodeRegister, p::EncodeRegister);
    accepted += Check<p::Assignment>(bytes, p::DecodeAssignment, p::EncodeAssignment);
    accepted += Check<p::AssignmentAck>(bytes, p::DecodeAssignmentAck, p::EncodeAssignmentAck);
    accepted += Check<p::PlanChunk>(bytes, p::DecodePlanChunk, p::EncodePlanChunk);
    accepted += Check<p::Start>(bytes, p::DecodeStart, p::EncodeStart);
    accepted += Check<p::Stop>(bytes, p::DecodeStop, p::EncodeStop);
    accepted += Check<p::Rebalance>(bytes, p::DecodeRebalance, p::EncodeRebalance);
    *metrics_ok = Check<p::Metrics>(bytes, p::DecodeMetrics, p::EncodeMetrics, metrics);
    accepted += *metrics_ok;
    accepted += Check<p::MetricsAck>(bytes, p::DecodeMetricsAck, p::EncodeMetricsAck);
    accepted += Check<p::Heartbeat>(bytes, p::DecodeHeartbeat, p::EncodeHeartbeat);
    accepted += Check<p::CoordinatorHeartbeat>(bytes, p::DecodeCoordinatorHeartbeat, p::EncodeCoordinatorHeartbeat);
    accepted += Check<p::TimeRequest>(bytes, p::DecodeTimeRequest, p::EncodeTimeRequest);
    accepted += Check<p::TimeReply>(bytes, p::DecodeTimeReply, p::EncodeTimeReply);
    accepted += Check<p::Reject>(bytes, p::DecodeReject, p::EncodeReject);
    accepted += Check<p::VuPlans>(bytes, p::DecodeVuPlans, p::EncodeVuPlans);
    return accepted;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const std::optional<p::MessageType> type = p::PeekMessageType(bytes);
    if (type.has_value() && p::MessageTypeName(*type).empty()) std::abort();

    p::Metrics metrics;
    bool metrics_ok = false;
    const int accepted = DecodeWithAll(bytes, &metrics, &metrics_ok);
    // At most one decoder takes a payload, and only the one its header names.
    if (accepted > 1) std::abort();
    if (accepted == 1 && !type.has_value()) std::abort();
    if (metrics_ok && *type != p::MessageType::kMetrics) std::abort();

    // The coordinator then decodes the snapshot carried inside (same checks as fuzz_snapshot_decode).
    if (metrics_ok) {
        lse::metrics::Snapshot snapshot;
        std::string error;
        if (lse::metrics::Snapshot::Decode(metrics.snapshot, &snapshot, &error)) {
            std::string encoded;
            snapshot.AppendTo(&encoded);
            lse::metrics::Snapshot again;
            if (!lse::metrics::Snapshot::Decode(encoded, &again, &error) || !(again == snapshot)) std::abort();
        } else if (error.empty()) {
            std::abort();
        }
    }
    return 0;
}
