#include "lse/protocol/codec.hpp"

#include <algorithm>
#include <iterator>
#include <set>

#include "lse/core/byte_codec.hpp"
#include "lse/protocol/limits.hpp"
#include "lse/protocol/plan_chunks.hpp"
#include "lse/protocol/subjects.hpp"

namespace lse::protocol {
namespace {

constexpr std::string_view kTypeNames[] = {
    "register", "assignment", "assignment-ack", "plan-chunk", "start", "stop", "rebalance",
    "metrics", "metrics-ack", "heartbeat", "coordinator-heartbeat", "time-request", "time-reply", "reject", "vu-plans",
};
static_assert(std::size(kTypeNames) == static_cast<std::size_t>(MessageType::kCount));

std::string Begin(MessageType type) {
    std::string out;
    out.push_back(kMagic);
    out.push_back(static_cast<char>(type));
    out.push_back(static_cast<char>(kCodecVersion));
    return out;
}

// ---- shared field groups ----

void ReadId(ByteReader& r, const char* field, std::string* out, bool optional = false) {
    r.Str(field, kMaxIdLength, out);
    if (!r.ok()) return;
    if (optional && out->empty()) return;
    if (!IsValidId(*out)) r.Fail(field);
}

void WriteVuSelection(ByteWriter& w, const VuSelection& v) {
    w.Byte(static_cast<std::uint8_t>(v.kind));
    switch (v.kind) {
        case VuSelection::Kind::kRange:
            w.I64(v.first);
            w.I64(v.last);
            break;
        case VuSelection::Kind::kList: {
            // Ids are increasing, so deltas stay one byte for dense lists.
            w.U64(v.ids.size());
            std::int64_t previous = 0;
            for (std::int64_t id : v.ids) {
                w.U64(static_cast<std::uint64_t>(id - previous));
                previous = id;
            }
            break;
        }
        default:
            break;
    }
}

void ReadVuSelection(ByteReader& r, VuSelection* v) {
    v->kind = r.EnumValue<VuSelection::Kind>("vusers.kind");
    v->first = v->last = 0;
    v->ids.clear();
    if (!r.ok()) return;
    switch (v->kind) {
        case VuSelection::Kind::kRange:
            v->first = r.I64("vusers.first");
            v->last = r.I64("vusers.last");
            if (r.ok() && (v->first < 1 || v->last < v->first)) r.Fail("vusers range");
            break;
        case VuSelection::Kind::kList: {
            const std::uint64_t n = r.U64("vusers.count");
            // Every id takes at least one byte: a count beyond the input is garbage, not a reason to allocate.
            if (r.ok() && (n > kMaxVuIds || n > r.remaining())) r.Fail("vusers.count");
            if (!r.ok()) return;
            v->ids.reserve(static_cast<std::size_t>(n));
            std::int64_t previous = 0;
            for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
                const std::uint64_t delta = r.U64("vusers.id");
                if (!r.ok()) break;
                if (delta == 0 || delta > static_cast<std::uint64_t>(INT64_MAX - previous)) {
                    r.Fail("vusers.id (not increasing)");
                    break;
                }
                previous += static_cast<std::int64_t>(delta);
                v->ids.push_back(previous);
            }
            break;
        }
        default:
            break;
    }
}

void WriteShares(ByteWriter& w, const std::vector<ScenarioShare>& shares) {
    w.U64(shares.size());
    for (const auto& s : shares) {
        w.Str(s.scenario);
        w.I64(s.shard.begin);
        w.I64(s.shard.end);
        WriteVuSelection(w, s.vusers);
    }
}

void ReadShares(ByteReader& r, std::vector<ScenarioShare>* shares) {
    shares->clear();
    const std::uint64_t n = r.U64("scenarios.count");
    if (r.ok() && (n > kMaxScenarios || n > r.remaining())) r.Fail("scenarios.count");
    std::set<std::string, std::less<>> names;
    for (std::uint64_t i = 0; i < n && r.ok(); ++i) {
        ScenarioShare s;
        r.Str("scenario", kMaxNameLength, &s.scenario);
        if (r.ok() && s.scenario.empty()) r.Fail("scenario (empty name)");
        s.shard.begin = r.I64("shard.begin");
        s.shard.end = r.I64("shard.end");
        if (r.ok() && !(0 <= s.shard.begin && s.shard.begin <= s.shard.end && s.shard.end <= sched::kShardUnits)) {
            r.Fail("shard (outside [0, kShardUnits] or reversed)");
        }
        ReadVuSelection(r, &s.vusers);
        if (r.ok() && !names.insert(s.scenario).second) r.Fail("scenario (duplicate name)");
        if (r.ok()) shares->push_back(std::move(s));
    }
}

// ---- decoding frame ----

template <typename Body>
bool DecodeFrame(std::string_view in, MessageType type, std::string* error, Body&& body) {
    const std::string_view what = kTypeNames[static_cast<std::size_t>(type)];
    auto fail = [&](std::string_view reason) {
        if (error != nullptr) {
            error->assign(what);
            error->append(": ");
            error->append(reason);
        }
        return false;
    };
    if (in.size() > kMaxMessageBytes) return fail("message exceeds the size limit");
    if (in.size() < 3) return fail("truncated header");
    if (in[0] != kMagic) return fail("bad magic byte");
    if (static_cast<std::uint8_t>(in[1]) != static_cast<std::uint8_t>(type)) return fail("wrong message type");
    if (static_cast<std::uint8_t>(in[2]) != kCodecVersion) return fail("unsupported codec version");
    in.remove_prefix(3);
    ByteReader r(in);
    body(r);
    if (!r.ok()) return fail(std::string("invalid or truncated field ") + r.error());
    if (!r.AtEnd()) return fail("trailing bytes");
    return true;
}

}  // namespace

std::optional<MessageType> PeekMessageType(std::string_view payload) noexcept {
    if (payload.size() < 3 || payload[0] != kMagic) return std::nullopt;
    const auto type = static_cast<std::uint8_t>(payload[1]);
    if (type >= static_cast<std::uint8_t>(MessageType::kCount)) return std::nullopt;
    if (static_cast<std::uint8_t>(payload[2]) != kCodecVersion) return std::nullopt;
    return static_cast<MessageType>(type);
}

std::string_view MessageTypeName(MessageType type) noexcept {
    const auto i = static_cast<std::size_t>(type);
    return i < std::size(kTypeNames) ? kTypeNames[i] : "unknown";
}

std::string_view AgentStateName(AgentState state) noexcept {
    switch (state) {
        case AgentState::kIdle: return "idle";
        case AgentState::kPreparing: return "preparing";
        case AgentState::kRunning: return "running";
        case AgentState::kDraining: return "draining";
        default: return "unknown";
    }
}

std::string_view StopReasonName(StopReason reason) noexcept {
    switch (reason) {
        case StopReason::kCompleted: return "completed";
        case StopReason::kInterrupted: return "interrupted";
        case StopReason::kAborted: return "aborted";
        default: return "unknown";
    }
}

std::string_view RejectReasonName(RejectReason reason) noexcept {
    switch (reason) {
        case RejectReason::kWrongCluster: return "wrong-cluster";
        case RejectReason::kMalformed: return "malformed";
        case RejectReason::kTooLarge: return "too-large";
        case RejectReason::kChecksum: return "checksum";
        case RejectReason::kBusy: return "busy";
        case RejectReason::kVersion: return "version";
        default: return "unknown";
    }
}

bool VuSelection::Contains(std::int64_t id) const noexcept {
    switch (kind) {
        case Kind::kAll: return id >= 1;
        case Kind::kRange: return id >= first && id <= last;
        case Kind::kList: return std::binary_search(ids.begin(), ids.end(), id);
        default: return false;
    }
}

// ---- Register ----

std::string EncodeRegister(const Register& m) {
    std::string out = Begin(MessageType::kRegister);
    ByteWriter w(&out);
    w.Str(m.cluster_id);
    w.Str(m.agent_id);
    w.Str(m.group);
    w.U64(m.capacity);
    w.Str(m.version);
    w.Str(m.hostname);
    w.I64(m.pid);
    w.U64(m.protocol_version);
    w.Str(m.region);
    return out;
}

bool DecodeRegister(std::string_view in, Register* out, std::string* error) {
    return DecodeFrame(in, MessageType::kRegister, error, [&](ByteReader& r) {
        ReadId(r, "cluster_id", &out->cluster_id);
        ReadId(r, "agent_id", &out->agent_id);
        ReadId(r, "group", &out->group, /*optional=*/true);
        out->capacity = r.U32("capacity");
        if (r.ok() && out->capacity == 0) r.Fail("capacity (zero)");
        r.Str("version", kMaxNameLength, &out->version);
        r.Str("hostname", kMaxNameLength, &out->hostname);
        out->pid = r.I64("pid");
        out->protocol_version = r.U32("protocol_version");
        ReadId(r, "region", &out->region, /*optional=*/true);
    });
}

// ---- Assignment ----

std::string EncodeAssignment(const Assignment& m) {
    std::string out = Begin(MessageType::kAssignment);
    ByteWriter w(&out);
    w.Str(m.cluster_id);
    w.Str(m.run_id);
    w.Str(m.agent_id);
    w.U64(m.agent_index);
    w.U64(m.agent_count);
    w.U64(m.epoch);
    WriteShares(w, m.scenarios);
    w.U64(m.plan_size);
    w.U64(m.plan_checksum);
    w.U64(m.plan_chunks);
    w.Str(m.plan);
    w.U64(m.attempt);
    w.I64(m.owns_from_coordinator_ns);
    return out;
}

bool DecodeAssignment(std::string_view in, Assignment* out, std::string* error) {
    return DecodeFrame(in, MessageType::kAssignment, error, [&](ByteReader& r) {
        ReadId(r, "cluster_id", &out->cluster_id);
        ReadId(r, "run_id", &out->run_id);
        ReadId(r, "agent_id", &out->agent_id);
        out->agent_index = r.U32("agent_index");
        out->agent_count = r.U32("agent_count");
        if (r.ok() && (out->agent_count == 0 || out->agent_index >= out->agent_count)) {
            r.Fail("agent_index/agent_count");
        }
        out->epoch = r.U32("epoch");
        ReadShares(r, &out->scenarios);
        out->plan_size = r.U64("plan_size");
        if (r.ok() && out->plan_size > kMaxPlanBytes) r.Fail("plan_size (over the plan size limit)");
        out->plan_checksum = r.U64("plan_checksum");
        out->plan_chunks = r.U32("plan_chunks");
        if (r.ok() && out->plan_chunks > kMaxPlanChunks) r.Fail("plan_chunks (too many)");
        r.Str("plan", kMaxMessageBytes, &out->plan);
        out->attempt = r.U32("attempt");
        out->owns_from_coordinator_ns = r.I64("owns_from_coordinator_ns");
        if (r.ok() && out->owns_from_coordinator_ns < 0) r.Fail("owns_from_coordinator_ns (negative)");
        if (!r.ok()) return;
        if (out->plan_chunks == 0) {
            if (out->plan.size() != out->plan_size || Fnv1a64(out->plan) != out->plan_checksum) {
                r.Fail("plan (size or checksum mismatch)");
            }
        } else if (!out->plan.empty()) {
            r.Fail("plan (inline bytes although chunked)");
        }
    });
}

// ---- VuPlans ----

std::string EncodeVuPlans(const VuPlans& m) {
    std::string out = Begin(MessageType::kVuPlans);
    out.reserve(out.size() + m.plan.size() + 96);
    ByteWriter w(&out);
    w.Str(m.run_id);
    w.U64(m.epoch);
    w.U64(m.attempt);
    w.U64(m.plan_size);
    w.U64(m.plan_checksum);
    w.U64(m.plan_chunks);
    w.Str(m.plan);
    return out;
}

bool DecodeVuPlans(std::string_view in, VuPlans* out, std::string* error) {
    return DecodeFrame(in, MessageType::kVuPlans, error, [&](ByteReader& r) {
        ReadId(r, "run_id", &out->run_id);
        out->epoch = r.U32("epoch");
        if (r.ok() && out->epoch == 0) r.Fail("epoch (zero: the Assignment's)");
        out->attempt = r.U32("attempt");
        out->plan_size = r.U64("plan_size");
        if (r.ok() && out->plan_size > kMaxPlanBytes) r.Fail("plan_size (over the plan size limit)");
        out->plan_checksum = r.U64("plan_checksum");
        out->plan_chunks = r.U32("plan_chunks");
        if (r.ok() && out->plan_chunks > kMaxPlanChunks) r.Fail("plan_chunks (too many)");
        r.Str("plan", kMaxMessageBytes, &out->plan);
        if (!r.ok()) return;
        if (out->plan_chunks == 0) {
            if (out->plan.size() != out->plan_size || Fnv1a64(out->plan) != out->plan_checksum) {
                r.Fail("plan (size or checksum mismatch)");
            }
        } else if (!out->plan.empty()) {
            r.Fail("plan (inline bytes although chunked)");
        }
    });
}

// ---- AssignmentAck ----

std::string EncodeAssignmentAck(const AssignmentAck& m) {
    std::string out = Begin(MessageType::kAssignmentAck);
    ByteWriter w(&out);
    w.Str(m.run_id);
    w.Str(m.agent_id);
    w.U64(m.plan_checksum);
    w.U64(m.attempt);
    return out;
}

bool DecodeAssignmentAck(std::string_view in, AssignmentAck* out, std::string* error) {
    return DecodeFrame(in, MessageType::kAssignmentAck, error, [&](ByteReader& r) {
        ReadId(r, "run_id", &out->run_id);
        ReadId(r, "agent_id", &out->agent_id);
        out->plan_checksum = r.U64("plan_checksum");
        out->attempt = r.U32("attempt");
    });
}

// ---- PlanChunk ----

std::string EncodePlanChunk(const PlanChunk& m) {
    std::string out = Begin(MessageType::kPlanChunk);
    out.reserve(out.size() + m.bytes.size() + 96);
    ByteWriter w(&out);
    w.Str(m.run_id);
    w.U64(m.index);
    w.U64(m.count);
    w.U64(m.plan_size);
    w.U64(m.plan_checksum);
    w.Str(m.bytes);
    return out;
}

bool DecodePlanChunk(std::string_view in, PlanChunk* out, std::string* error) {
    return DecodeFrame(in, MessageType::kPlanChunk, error, [&](ByteReader& r) {
        ReadId(r, "run_id", &out->run_id);
        out->index = r.U32("index");
        out->count = r.U32("count");
        if (r.ok() && (out->count == 0 || out->count > kMaxPlanChunks || out->index >= out->count)) {
            r.Fail("index/count");
        }
        out->plan_size = r.U64("plan_size");
        if (r.ok() && out->plan_size > kMaxPlanBytes) r.Fail("plan_size (over the plan size limit)");
        out->plan_checksum = r.U64("plan_checksum");
        r.Str("bytes", kMaxPlanChunkBytes, &out->bytes);
        if (r.ok() && out->bytes.size() > out->plan_size) r.Fail("bytes (longer than the plan)");
    });
}

// ---- Start ----

std::string EncodeStart(const Start& m) {
    std::string out = Begin(MessageType::kStart);
    ByteWriter w(&out);
    w.Str(m.run_id);
    w.I64(m.start_at_coordinator_ns);
    return out;
}

bool DecodeStart(std::string_view in, Start* out, std::string* error) {
    return DecodeFrame(in, MessageType::kStart, error, [&](ByteReader& r) {
        ReadId(r, "run_id", &out->run_id);
        out->start_at_coordinator_ns = r.I64("start_at_coordinator_ns");
    });
}

// ---- Stop ----

std::string EncodeStop(const Stop& m) {
    std::string out = Begin(MessageType::kStop);
    ByteWriter w(&out);
    w.Str(m.run_id);
    w.Byte(static_cast<std::uint8_t>(m.reason));
    w.Bool(m.abort);
    w.Str(m.detail);
    return out;
}

bool DecodeStop(std::string_view in, Stop* out, std::string* error) {
    return DecodeFrame(in, MessageType::kStop, error, [&](ByteReader& r) {
        ReadId(r, "run_id", &out->run_id);
        out->reason = r.EnumValue<StopReason>("reason");
        out->abort = r.Bool("abort");
        r.Str("detail", kMaxReasonLength, &out->detail);
    });
}

// ---- Rebalance ----

std::string EncodeRebalance(const Rebalance& m) {
    std::string out = Begin(MessageType::kRebalance);
    ByteWriter w(&out);
    w.Str(m.run_id);
    w.U64(m.epoch);
    w.I64(m.from_coordinator_ns);
    w.U64(m.agent_index);
    w.U64(m.agent_count);
    WriteShares(w, m.scenarios);
    return out;
}

bool DecodeRebalance(std::string_view in, Rebalance* out, std::string* error) {
    return DecodeFrame(in, MessageType::kRebalance, error, [&](ByteReader& r) {
        ReadId(r, "run_id", &out->run_id);
        out->epoch = r.U32("epoch");
        if (r.ok() && out->epoch == 0) r.Fail("epoch (zero: the Assignment's)");
        out->from_coordinator_ns = r.I64("from_coordinator_ns");
        out->agent_index = r.U32("agent_index");
        out->agent_count = r.U32("agent_count");
        if (r.ok() && (out->agent_count == 0 || out->agent_index >= out->agent_count)) {
            r.Fail("agent_index/agent_count");
        }
        ReadShares(r, &out->scenarios);
    });
}

// ---- Metrics ----

std::string EncodeMetrics(const Metrics& m) {
    std::string out = Begin(MessageType::kMetrics);
    out.reserve(out.size() + m.snapshot.size() + 96);
    ByteWriter w(&out);
    w.Str(m.run_id);
    w.Str(m.agent_id);
    w.U64(m.seq);
    w.Bool(m.is_final);
    w.U64(m.active_vusers);
    w.Str(m.snapshot);
    w.U64(m.attempt);
    w.Bool(m.is_checkpoint);  // protocol 7
    return out;
}

bool DecodeMetrics(std::string_view in, Metrics* out, std::string* error) {
    return DecodeFrame(in, MessageType::kMetrics, error, [&](ByteReader& r) {
        ReadId(r, "run_id", &out->run_id);
        ReadId(r, "agent_id", &out->agent_id);
        out->seq = r.U64("seq");
        if (r.ok() && out->seq == 0) r.Fail("seq (zero)");
        out->is_final = r.Bool("is_final");
        out->active_vusers = r.U32("active_vusers");
        r.Str("snapshot", kMaxMessageBytes, &out->snapshot);
        out->attempt = r.U32("attempt");
        out->is_checkpoint = r.Bool("is_checkpoint");
        if (r.ok() && out->is_checkpoint && out->is_final) r.Fail("is_checkpoint (and is_final)");
    });
}

// ---- MetricsAck ----

std::string EncodeMetricsAck(const MetricsAck& m) {
    std::string out = Begin(MessageType::kMetricsAck);
    ByteWriter w(&out);
    w.Str(m.run_id);
    w.U64(m.seq);
    return out;
}

bool DecodeMetricsAck(std::string_view in, MetricsAck* out, std::string* error) {
    return DecodeFrame(in, MessageType::kMetricsAck, error, [&](ByteReader& r) {
        ReadId(r, "run_id", &out->run_id);
        out->seq = r.U64("seq");
        if (r.ok() && out->seq == 0) r.Fail("seq (zero)");
    });
}

// ---- Heartbeat ----

std::string EncodeHeartbeat(const Heartbeat& m) {
    std::string out = Begin(MessageType::kHeartbeat);
    ByteWriter w(&out);
    w.Str(m.run_id);
    w.Str(m.agent_id);
    w.Byte(static_cast<std::uint8_t>(m.state));
    w.U64(m.epoch);
    w.U64(m.last_seq);
    w.I64(m.now_agent_ns);
    w.U64(m.attempt);
    return out;
}

bool DecodeHeartbeat(std::string_view in, Heartbeat* out, std::string* error) {
    return DecodeFrame(in, MessageType::kHeartbeat, error, [&](ByteReader& r) {
        ReadId(r, "run_id", &out->run_id);
        ReadId(r, "agent_id", &out->agent_id);
        out->state = r.EnumValue<AgentState>("state");
        out->epoch = r.U32("epoch");
        out->last_seq = r.U64("last_seq");
        out->now_agent_ns = r.I64("now_agent_ns");
        out->attempt = r.U32("attempt");
    });
}

// ---- CoordinatorHeartbeat ----

std::string EncodeCoordinatorHeartbeat(const CoordinatorHeartbeat& m) {
    std::string out = Begin(MessageType::kCoordinatorHeartbeat);
    ByteWriter w(&out);
    w.Str(m.run_id);
    w.U64(m.epoch);
    w.I64(m.now_coordinator_ns);
    return out;
}

bool DecodeCoordinatorHeartbeat(std::string_view in, CoordinatorHeartbeat* out, std::string* error) {
    return DecodeFrame(in, MessageType::kCoordinatorHeartbeat, error, [&](ByteReader& r) {
        ReadId(r, "run_id", &out->run_id);
        out->epoch = r.U32("epoch");
        out->now_coordinator_ns = r.I64("now_coordinator_ns");
    });
}

// ---- TimeRequest / TimeReply ----

std::string EncodeTimeRequest(const TimeRequest& m) {
    std::string out = Begin(MessageType::kTimeRequest);
    ByteWriter w(&out);
    w.Str(m.agent_id);
    w.I64(m.t0_agent_ns);
    return out;
}

bool DecodeTimeRequest(std::string_view in, TimeRequest* out, std::string* error) {
    return DecodeFrame(in, MessageType::kTimeRequest, error, [&](ByteReader& r) {
        ReadId(r, "agent_id", &out->agent_id);
        out->t0_agent_ns = r.I64("t0_agent_ns");
    });
}

std::string EncodeTimeReply(const TimeReply& m) {
    std::string out = Begin(MessageType::kTimeReply);
    ByteWriter w(&out);
    w.I64(m.t0_agent_ns);
    w.I64(m.now_coordinator_ns);
    return out;
}

bool DecodeTimeReply(std::string_view in, TimeReply* out, std::string* error) {
    return DecodeFrame(in, MessageType::kTimeReply, error, [&](ByteReader& r) {
        out->t0_agent_ns = r.I64("t0_agent_ns");
        out->now_coordinator_ns = r.I64("now_coordinator_ns");
    });
}

// ---- Reject ----

std::string EncodeReject(const Reject& m) {
    std::string out = Begin(MessageType::kReject);
    ByteWriter w(&out);
    w.Str(m.cluster_id);
    w.Str(m.run_id);
    w.Str(m.agent_id);
    w.Byte(static_cast<std::uint8_t>(m.reason));
    w.Str(m.detail);
    return out;
}

bool DecodeReject(std::string_view in, Reject* out, std::string* error) {
    return DecodeFrame(in, MessageType::kReject, error, [&](ByteReader& r) {
        ReadId(r, "cluster_id", &out->cluster_id);
        // Empty when the rejected message was too broken to name its run.
        ReadId(r, "run_id", &out->run_id, /*optional=*/true);
        ReadId(r, "agent_id", &out->agent_id);
        out->reason = r.EnumValue<RejectReason>("reason");
        r.Str("detail", kMaxReasonLength, &out->detail);
    });
}

}  // namespace lse::protocol
