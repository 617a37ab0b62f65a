// Writes the seed corpora of the binary fuzz targets: valid encodings of the sample objects the codec
// tests use, so that libFuzzer starts from inputs that get past the headers and checksums.
// Usage: fuzz_make_seeds <corpus dir>   (writes <dir>/fuzz_plan_decode/, fuzz_protocol_decode/,
// fuzz_snapshot_decode/). The text targets' seeds are written by hand.

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "lse/metrics/snapshot.hpp"
#include "lse/plan/plan_codec.hpp"
#include "lse/protocol/codec.hpp"
#include "lse/protocol/plan_chunks.hpp"
#include "generator_health_sample.hpp"  // tests/metrics
#include "plan_fixtures.hpp"
#include "sample_messages.hpp"

namespace {

namespace fs = std::filesystem;
namespace p = lse::protocol;

void Write(const fs::path& dir, const std::string& name, const std::string& bytes) {
    fs::create_directories(dir);
    std::ofstream(dir / name, std::ios::binary) << bytes;
}

// fuzz_plan_decode reads the plan bytes as they are (the plan format has no checksum of its own).
std::string PlanSeed(const lse::plan::Plan& plan) { return lse::plan::EncodePlan(plan); }

void WritePlans(const fs::path& dir) {
    lse::plan::Plan plan = lse::plan::testing_fixtures::SmallPlan();
    Write(dir, "small_plan", PlanSeed(plan));
    lse::plan::Plan closed = plan;
    closed.scenarios[0].load.open_model = false;
    closed.scenarios[0].load.stages.clear();
    closed.scenarios[0].load.duration_ns = 5 * lse::kNsPerSec;
    Write(dir, "closed_plan", PlanSeed(closed));
    Write(dir, "empty_plan", PlanSeed(lse::plan::Plan{}));
    Write(dir, "correlated_plan", PlanSeed(lse::plan::testing_fixtures::CorrelatedPlan()));
}

void WriteSnapshots(const fs::path& dir) {
    Write(dir, "sample", p::testing::SampleSnapshotBytes());
    std::string empty;
    lse::metrics::Snapshot{}.AppendTo(&empty);
    Write(dir, "empty", empty);
    lse::metrics::Snapshot s;
    s.start_ns = -5;
    s.end_ns = 7'000'000'000;
    for (const char* name : {"a", "b", "GET /x"}) {
        s.RecordCompletion(&s.ForName(name), lse::ErrorKind::kNone, 204, true, 10, 12, 1, 2);
        s.RecordDropped(&s.ForName(name), 2);
    }
    s.RecordCompletion(nullptr, lse::ErrorKind::kStatus, 503, false, 1'000'000, 2'000'000, 100, 50);
    s.checks["ok"] = lse::metrics::CheckCounts{1, 0};
    s.AddError(lse::metrics::MakeErrorKey("T\x1fshop\x1f" "buy\x1f", lse::ErrorKind::kScript, "shop.lua:9: boom"),
               lse::metrics::ErrorSample{3, 1'000});
    std::string bytes;
    s.AppendTo(&bytes);
    Write(dir, "three_names", bytes);
    // Version 5: a generator's own health, so the fuzzer starts from a valid generators section.
    lse::metrics::GeneratorHealth& health = s.generators["agent-1"];
    health = lse::metrics::testing::SampleGeneratorHealth(200, 1);
    for (std::int64_t lag : {900, 31'000}) health.loop_lag_us.Record(lag);
    health.intervals = 3;
    health.saturated_intervals = 1;
    health.saturated = {{1000, 2000}};
    std::string with_health;
    s.AppendTo(&with_health);
    Write(dir, "generator_health", with_health);
}

void WriteMessages(const fs::path& dir) {
    using namespace p::testing;
    Write(dir, "register", p::EncodeRegister(SampleRegister()));
    Write(dir, "assignment", p::EncodeAssignment(SampleAssignment()));
    Write(dir, "assignment_ack", p::EncodeAssignmentAck({"run-1", "agent-1", 0xfeedULL, 1}));
    Write(dir, "plan_chunk", p::EncodePlanChunk({"run-1", 1, 3, 30, 0xabcdULL, "0123456789"}));
    Write(dir, "start", p::EncodeStart({"run-1", 1'000'000'000}));
    Write(dir, "stop", p::EncodeStop({"run-1", p::StopReason::kInterrupted, true, "ctrl-c"}));
    p::Rebalance rebalance{"run-1", 2, 5'000'000'000, 0, 2, SampleShares()};
    Write(dir, "rebalance", p::EncodeRebalance(rebalance));
    Write(dir, "metrics", p::EncodeMetrics(SampleMetrics()));
    p::Metrics checkpoint = SampleMetrics();  // protocol 7: a checkpoint (the sum so far), never also final
    checkpoint.is_final = false;
    checkpoint.is_checkpoint = true;
    Write(dir, "metrics_checkpoint", p::EncodeMetrics(checkpoint));
    // protocol 7: moved virtual users' plans, inline (a real plan, so the fuzzer starts from a decodable one)
    p::VuPlans vu_plans;
    vu_plans.run_id = "run-1";
    vu_plans.epoch = 2;
    vu_plans.attempt = 1;
    vu_plans.plan = lse::plan::EncodePlan(lse::plan::testing_fixtures::SmallPlan());
    vu_plans.plan_size = vu_plans.plan.size();
    vu_plans.plan_checksum = p::Fnv1a64(vu_plans.plan);
    Write(dir, "vu_plans", p::EncodeVuPlans(vu_plans));
    Write(dir, "metrics_ack", p::EncodeMetricsAck({"run-1", 9}));
    Write(dir, "heartbeat", p::EncodeHeartbeat({"run-1", "agent-1", p::AgentState::kRunning, 1, 4, 123, 0}));
    Write(dir, "coordinator_heartbeat", p::EncodeCoordinatorHeartbeat({"run-1", 1, 456}));
    Write(dir, "time_request", p::EncodeTimeRequest({"agent-1", 77}));
    Write(dir, "time_reply", p::EncodeTimeReply({77, 88}));
    Write(dir, "reject", p::EncodeReject({"c1", "run-1", "agent-1", p::RejectReason::kBusy, "busy"}));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
        return 2;
    }
    const fs::path root = argv[1];
    WritePlans(root / "fuzz_plan_decode");
    WriteSnapshots(root / "fuzz_snapshot_decode");
    WriteMessages(root / "fuzz_protocol_decode");
    return 0;
}
