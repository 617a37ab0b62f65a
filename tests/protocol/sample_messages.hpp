#pragma once
// One fully populated instance of every message, shared by the codec and chunking tests.

#include <string>

#include "lse/metrics/snapshot.hpp"
#include "lse/protocol/messages.hpp"
#include "lse/protocol/plan_chunks.hpp"

namespace lse::protocol::testing {

inline std::vector<ScenarioShare> SampleShares() {
    ScenarioShare a;
    a.scenario = "browse";
    a.shard = sched::ShardSegment{0, 349526};
    a.vusers.kind = VuSelection::Kind::kList;
    a.vusers.ids = {1, 2, 5, 200, 100000};
    ScenarioShare b;
    b.scenario = "checkout";
    b.shard = sched::ShardSegment{349526, sched::kShardUnits};
    b.vusers.kind = VuSelection::Kind::kRange;
    b.vusers.first = 3;
    b.vusers.last = 40;
    ScenarioShare c;
    c.scenario = "idle";
    c.shard = sched::ShardSegment{5, 5};
    c.vusers.kind = VuSelection::Kind::kNone;
    ScenarioShare d;
    d.scenario = "all";
    d.vusers.kind = VuSelection::Kind::kAll;
    return {a, b, c, d};
}

inline Register SampleRegister() {
    return Register{"orders-cluster", "agent-0", "perf", 8, "lsengine 0.1.0", "loadgen-1.example", 4242,
                    kProtocolVersion, "eu-west"};
}

inline Assignment SampleAssignment() {
    Assignment m;
    m.cluster_id = "orders-cluster";
    m.run_id = "run-20240101-abc";
    m.agent_id = "agent-1";
    m.agent_index = 1;
    m.agent_count = 3;
    m.epoch = 0;
    m.scenarios = SampleShares();
    m.plan = std::string("PLAN\0bytes\xff", 11);
    m.plan_size = m.plan.size();
    m.plan_checksum = Fnv1a64(m.plan);
    m.plan_chunks = 0;
    m.attempt = 2;  // a re-joining agent's second re-assignment
    m.owns_from_coordinator_ns = 123'456'789'000;
    return m;
}

inline std::string SampleSnapshotBytes() {
    metrics::Snapshot s;
    s.start_ns = 1'000'000'000;
    s.end_ns = 2'000'000'000;
    s.RecordCompletion(&s.ForName("GET /api"), ErrorKind::kNone, 200, true, 1500, 1700, 512, 128);
    s.RecordCompletion(&s.ForName("GET /api"), ErrorKind::kTimeout, 0, false, 90000, 90000, 0, 128);
    s.checks["status is 200"] = metrics::CheckCounts{3, 1};
    std::string out;
    s.AppendTo(&out);
    return out;
}

inline Metrics SampleMetrics() {
    return Metrics{"run-20240101-abc", "agent-1", 17, true, 250, SampleSnapshotBytes(), 1};
}

}  // namespace lse::protocol::testing
