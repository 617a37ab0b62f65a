// DecodeAndCompilePlan (issue 16, item 5): the agent's one-pass decode and compile gives the same compiled tables as
// DecodePlan then CompileScenario, refuses the same plans with the same messages, and the decoder keeps only the
// latest request of each name as a base (a record based on another one is refused).

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string_view>
#include <string>
#include <vector>

#include "lse/core/byte_codec.hpp"
#include "lse/core/errors.hpp"
#include "lse/plan/compiled_plan.hpp"
#include "lse/plan/compiled_scenario.hpp"
#include "lse/plan/plan_codec.hpp"
#include "lse/plan/plan_runner.hpp"
#include "plan_fixtures.hpp"
#include "replay_tables.hpp"

namespace lse::plan {
namespace {

using testing_fixtures::CorrelatedPlan;
using testing_fixtures::Lit;
using testing_fixtures::Text;

Segment Data(std::int64_t feed, std::uint32_t draw, std::uint32_t column) {
    Segment s;
    s.kind = Segment::Kind::kData;
    s.a = feed;
    s.b = static_cast<std::int64_t>(ValueEncoding::kPercent);
    s.draw = draw;
    s.column = column;
    return s;
}

// The correlated flow with what else a plan carries: a data feed two requests draw from, custom metrics with
// steps (a constant and a response value), a per-user header and two scenarios.
Plan RichPlan() {
    Plan p = CorrelatedPlan();
    ScenarioPlan& s = p.scenarios[0];
    s.requests[0].body.segments.push_back(Data(0, 0, 1));
    s.requests[4].url.segments.push_back(Text("&u="));
    s.requests[4].url.segments.push_back(Data(0, 1, 0));
    PlannedRequest own = s.requests[3];
    own.headers = {{"Authorization", Lit("Bearer u2")}};
    s.requests.push_back(own);
    s.vusers[1].task_steps[1][0].request = static_cast<std::uint32_t>(s.requests.size() - 1);
    s.metrics = {{"orders", metrics::CustomMetricKind::kCounter, true},
                 {"status", metrics::CustomMetricKind::kTrend, true}};
    for (VuPlan& vu : s.vusers) {
        Step add;
        add.metric = true;
        add.sample = MetricSample{0, false, false, 1, 0};
        Step from;
        from.metric = true;
        from.sample = MetricSample{1, false, true, 0, 3};  // slot 3: the form page's status, extracted as a number
        vu.task_steps[0].push_back(add);
        vu.task_steps[1].insert(vu.task_steps[1].begin() + 1, from);
    }
    ScenarioPlan other = testing_fixtures::SmallPlan().scenarios[0];
    other.name = "browse";
    p.scenarios.push_back(other);
    DataFeed f;
    f.name = "users.csv";
    f.options.mode = data::AccessMode::kSequential;
    f.table = data::DataTable({"username", "sku"});
    f.table.AddRow({"alice", "A-1"}, {data::CellKind::kString, data::CellKind::kString});
    f.table.AddRow({"bob", "B-2"}, {data::CellKind::kString, data::CellKind::kString});
    f.total_rows = 2;
    p.feeds.push_back(f);
    return p;
}

// Every field of the compiled tables, as text: two compilations are the same when their dumps are.
std::string Dump(const CompiledScenario& c) {
    const ReplayTables& t = *c.tables;
    std::string out = "vusers " + std::to_string(c.vuser_count) + " tasks " + std::to_string(t.task_count) + "\n";
    for (const RequestTraits& r : t.traits) {
        out += "traits " + r.origin.ToString() + " " + r.name + " " + r.group + " " + r.tags + " " +
               std::to_string(r.timeout_ns) + " " + std::to_string(r.max_redirects) + "\n";
    }
    for (const ReplayRequest& r : t.requests) {
        out += "request " + std::to_string(r.traits) + " " + std::to_string(r.templated) + " " + r.literal.bytes + "\n";
    }
    for (const auto& x : t.templated) {
        out += "templated holes " + std::to_string(x->hole_segments.size());
        for (const Segment& s : x->hole_segments) {
            out += " " + std::to_string(static_cast<int>(s.kind)) + ":" + std::to_string(s.a) + ":" +
                   std::to_string(s.b) + ":" + std::to_string(s.column) + ":" + std::to_string(s.draw);
        }
        for (const FeedDraws& d : x->draws) out += " draws " + std::to_string(d.feed) + "x" + std::to_string(d.count);
        out += "\n";
    }
    out += "extractions " + std::to_string(t.extractions.size()) + "\n";
    for (const BoundExtraction& b : t.bound) {
        out += "bound " + std::to_string(b.x) + " " + std::to_string(b.slot) + " " + std::to_string(b.in_header) +
               " " + (b.path_origin != nullptr ? b.path_origin->ToString() : std::string("-")) + "\n";
    }
    for (const std::int64_t p : t.pauses) out += "pause " + std::to_string(p) + "\n";
    for (const MetricSample& m : t.samples) {
        out += "sample " + std::to_string(m.metric) + " " + std::to_string(m.from_value) + " " +
               std::to_string(m.value) + " " + std::to_string(m.slot) + "\n";
    }
    for (const ReplayStep& s : t.steps) {
        out += "step " + std::to_string(static_cast<int>(s.kind)) + " " + std::to_string(s.index) + " " +
               std::to_string(s.first_extract) + " " + std::to_string(s.extract_count) + "\n";
    }
    for (const ReplayVu& v : t.vus) out += "vu " + std::to_string(v.id) + " " + std::to_string(v.slots) + "\n";
    out += "task_begin";
    for (const std::uint32_t b : t.task_begin) out += " " + std::to_string(b);
    out += "\ndraw_begin";
    for (const std::uint32_t b : t.draw_begin) out += " " + std::to_string(b);
    out += "\ndraws";
    for (const FeedDraws& d : t.draws) out += " " + std::to_string(d.feed) + "x" + std::to_string(d.count);
    return out + "\n";
}

TEST(DecodeAndCompilePlan, CompilesWhatDecodePlanThenCompileScenarioCompile) {
    const Plan plan = RichPlan();
    const std::string bytes = EncodePlan(plan);
    Plan decoded;
    std::string error;
    ASSERT_TRUE(DecodePlan(bytes, &decoded, &error)) << error;
    CompiledPlan streamed;
    ASSERT_TRUE(DecodeAndCompilePlan(bytes, &streamed, &error)) << error;
    EXPECT_EQ(streamed.cluster_id, decoded.cluster_id);
    EXPECT_EQ(streamed.run_id, decoded.run_id);
    EXPECT_EQ(streamed.version, decoded.version);
    EXPECT_EQ(streamed.feeds, decoded.feeds);
    const auto feeders = MakeFeeders(decoded.feeds);
    ASSERT_EQ(streamed.scenarios.size(), decoded.scenarios.size());
    for (size_t i = 0; i < decoded.scenarios.size(); ++i) {
        SCOPED_TRACE(decoded.scenarios[i].name);
        const CompiledPlan::Scenario& s = streamed.scenarios[i];
        EXPECT_EQ(s.name, decoded.scenarios[i].name);
        EXPECT_TRUE(s.problem.empty()) << s.problem;
        ASSERT_NE(s.compiled, nullptr);
        std::vector<int> ids;
        for (const VuPlan& vu : decoded.scenarios[i].vusers) ids.push_back(vu.id);
        EXPECT_EQ(CompiledVuIds(*s.compiled), ids);
        const auto compiled = CompileScenario(decoded.scenarios[i], feeders);
        EXPECT_EQ(*s.compiled->header, *compiled->header);
        EXPECT_EQ(Dump(*s.compiled), Dump(*compiled));
    }
    // What the plan exercises is in the tables (so the comparison above compares something).
    const ReplayTables& t = *streamed.scenarios[0].compiled->tables;
    EXPECT_FALSE(t.templated.empty());
    EXPECT_FALSE(t.bound.empty());
    EXPECT_FALSE(t.draws.empty());
    EXPECT_FALSE(t.draw_begin.empty());
    EXPECT_EQ(t.samples.size(), 4u);
    EXPECT_EQ(t.pauses.size(), 2u);
    EXPECT_EQ(streamed.scenarios[1].compiled->tables->draw_begin.size(), 0u) << "draws nothing";
}

TEST(DecodeAndCompilePlan, CompilesOnlyTheSelectedScenarios) {
    const std::string bytes = EncodePlan(RichPlan());
    CompilePlanOptions options;
    options.select = [](const std::string& name) { return name == "browse"; };
    int progress = 0;
    options.on_progress = [&progress] { ++progress; };
    CompiledPlan out;
    std::string error;
    ASSERT_TRUE(DecodeAndCompilePlan(bytes, &out, &error, options)) << error;
    ASSERT_EQ(out.scenarios.size(), 2u);
    EXPECT_EQ(out.scenarios[0].compiled, nullptr);
    EXPECT_TRUE(out.scenarios[0].problem.empty());
    ASSERT_NE(out.scenarios[1].compiled, nullptr);
    EXPECT_EQ(progress, 3 + 2) << "the browse scenario's requests and virtual users";
}

// Both ways refuse a plan with one problem with the same message (DecodePlan's).
void ExpectSameRefusal(const Plan& plan, const std::string& message) {
    const std::string bytes = EncodePlan(plan);
    Plan decoded;
    std::string decode_error;
    EXPECT_FALSE(DecodePlan(bytes, &decoded, &decode_error));
    CompiledPlan streamed;
    std::string stream_error;
    EXPECT_FALSE(DecodeAndCompilePlan(bytes, &streamed, &stream_error));
    EXPECT_EQ(stream_error, decode_error);
    EXPECT_NE(decode_error.find(message), std::string::npos) << decode_error;
    EXPECT_TRUE(streamed.scenarios.empty()) << "nothing of a refused plan is kept";
}

TEST(DecodeAndCompilePlan, RefusesWhatDecodePlanRefusesWithTheSameMessage) {
    Plan p = RichPlan();
    p.scenarios[0].vusers[1].task_steps[0][1].request = 99;
    ExpectSameRefusal(p, "step refers to a request that does not exist");

    p = RichPlan();
    p.scenarios[0].vusers[1].task_steps[0].back().sample.metric = 7;
    ExpectSameRefusal(p, "scenario 'orders', virtual user 2, task 'order lifecycle': metric step refers to a missing "
                         "metric");

    p = RichPlan();
    p.scenarios[0].requests[4].url.segments.back().column = 5;
    ExpectSameRefusal(p, "scenario 'orders', request 4 ('POST /form'): column 5 of data file users.csv does not exist");

    p = RichPlan();
    p.feeds.clear();
    ExpectSameRefusal(p, "scenario 'orders', request 0 ('POST /api/v1/orders'): data feed 0 is not in the plan");

    p = RichPlan();
    std::swap(p.scenarios[0].vusers[0].task_steps[0][0], p.scenarios[0].vusers[0].task_steps[0][1]);
    ExpectSameRefusal(p, "scenario 'orders', virtual user 1, task 'order lifecycle', step 1 "
                         "('GET /api/v1/orders/{id}'): uses response value 0 that no earlier step of the task extracts");

    p = RichPlan();  // the metric step before the step whose response value it records
    std::swap(p.scenarios[0].vusers[0].task_steps[1][0], p.scenarios[0].vusers[0].task_steps[1][1]);
    ExpectSameRefusal(p, "metric 'status': uses response value 3 that no earlier step of the task extracts");

    p = RichPlan();
    p.scenarios[0].metrics[1].replayable = false;
    ExpectSameRefusal(p, "metric 'status': a metric marked not replayable has a step");

    p = RichPlan();
    p.scenarios[1].max_header_bytes = 10;
    ExpectSameRefusal(p, "scenario 'browse': response-header limit 10 is outside 1KiB..1GiB");

    p = RichPlan();
    p.scenarios[0].requests[2].tags = "env";
    ExpectSameRefusal(p, "request 2 ('PUT /api/v1/orders/{id}'): malformed tags");
}

TEST(DecodeAndCompilePlan, AScenarioThatDoesNotCompileIsItsProblemNotTheDecodings) {
    Plan p = RichPlan();
    // A response value as the URL's host: a plan that decodes, which no agent can replay.
    p.scenarios[1].requests[0].url.segments = {Text("http://"), Segment{Segment::Kind::kVuser, "", 0, 0},
                                               Text(".example/x")};
    const std::string bytes = EncodePlan(p);
    Plan decoded;
    std::string error;
    ASSERT_TRUE(DecodePlan(bytes, &decoded, &error)) << error;
    std::string compile_error;
    try {
        CompileScenario(decoded.scenarios[1], MakeFeeders(decoded.feeds));
        ADD_FAILURE() << "compiles";
    } catch (const UsageError& e) {
        compile_error = e.what();
    }
    CompiledPlan streamed;
    ASSERT_TRUE(DecodeAndCompilePlan(bytes, &streamed, &error)) << error;
    EXPECT_NE(streamed.scenarios[0].compiled, nullptr);
    EXPECT_EQ(streamed.scenarios[1].compiled, nullptr);
    EXPECT_EQ(streamed.scenarios[1].problem, compile_error);
    EXPECT_NE(compile_error.find("scenario 'browse', "), std::string::npos) << compile_error;
}

// ------------------------------------------------------------------ request bases, in hand-written plan bytes

// A plan of one scenario, one task and one virtual user that sends every request, whose request records
// `records` writes (strings by their text: `index`).
std::string HandPlan(std::size_t requests,
                     const std::function<void(ByteWriter&, const std::function<std::uint64_t(std::string)>&)>& records) {
    const std::vector<std::string> strings = {"", "a", "b", "c1", "http://127.0.0.1:1/x", "http://127.0.0.1:1/y",
                                              "r1", "s", "t"};  // sorted, as the encoder writes them
    std::map<std::string, std::uint64_t> at;
    for (std::size_t i = 0; i < strings.size(); ++i) at[strings[i]] = i;
    auto index = [&at](const std::string& s) { return at.at(s); };
    std::string out = "LSEP";
    ByteWriter w(&out);
    w.U64(kPlanFormatVersion);
    w.U64(strings.size());
    std::string_view prev;
    for (const std::string& s : strings) {  // front-coded, as the encoder writes them
        std::size_t shared = 0;
        while (shared < prev.size() && shared < s.size() && prev[shared] == s[shared]) ++shared;
        w.U64(shared);
        w.U64(s.size() - shared);
        w.Raw(std::string_view(s).substr(shared));
        prev = s;
    }
    w.U64(1);  // plan version
    w.U64(index("c1"));
    w.U64(index("r1"));
    w.U64(1);  // scenarios
    w.U64(index("s"));
    w.Byte(0);  // closed model
    w.F64(0);
    w.U64(0);  // stages
    w.I64(1);  // vusers
    for (int i = 0; i < 5; ++i) w.I64(0);  // duration, ramp-up, think min/max, max_wait
    w.U64(1);  // tasks
    w.U64(index("t"));
    w.F64(1);
    w.Byte(0);
    w.U64(requests);
    records(w, index);
    w.U64(1);  // virtual users
    w.I64(1);  // id 1
    w.U64(1);  // step lists
    w.U64(requests);
    for (std::size_t i = 0; i < requests; ++i) {
        w.U64(ZigZagEncode(static_cast<std::int64_t>(i)) << 1);  // request i (delta from 0: the first VU)
        w.U64(0);                                               // no extraction
    }
    w.U64(index(""));  // setup data
    w.U64(index(""));  // client certificate
    w.U64(index(""));  // key
    w.U64(0);          // header limit
    w.U64(0);          // metrics
    w.U64(0);          // feeds
    return out;
}

// A whole GET record named `name` to `url`.
void FullRecord(ByteWriter& w, const std::function<std::uint64_t(std::string)>& index, const std::string& name,
                const std::string& url) {
    w.U64(0);      // no base
    w.Byte(0x7f);  // every field
    w.Byte(static_cast<std::uint8_t>(http::Method::kGet));
    w.U64(1);  // url: one literal segment
    w.Byte(0);
    w.U64(index(url));
    w.Byte(0);  // headers: full list
    w.U64(0);
    w.U64(0);  // body: no segment
    w.U64(index(name));
    w.U64(0);  // expect
    w.I64(0);  // timeout
    w.U64(static_cast<std::uint64_t>(http::kDefaultMaxRedirects));
    w.U64(index(""));  // group
    w.U64(index(""));  // tags
}

// A record based on the request `distance` back, with another URL (and, when `name` is set, that name).
void BasedRecord(ByteWriter& w, const std::function<std::uint64_t(std::string)>& index, std::uint64_t distance,
                 const std::string& url, const std::string& name = {}) {
    w.U64(distance);
    w.Byte(static_cast<std::uint8_t>(name.empty() ? 2 : 2 | 16));  // the URL (and the name)
    w.U64(1);
    w.Byte(0);
    w.U64(index(url));
    if (!name.empty()) w.U64(index(name));
    w.U64(static_cast<std::uint64_t>(http::kDefaultMaxRedirects));
    w.U64(index(""));
    w.U64(index(""));
}

struct BothResults {
    bool decoded = false;
    bool streamed = false;
    std::string decode_error;
    std::string stream_error;
    Plan plan;
};

BothResults DecodeBothWays(const std::string& bytes) {
    BothResults r;
    r.decoded = DecodePlan(bytes, &r.plan, &r.decode_error);
    CompiledPlan c;
    r.streamed = DecodeAndCompilePlan(bytes, &c, &r.stream_error);
    return r;
}

TEST(PlanCodecBases, ARecordIsBasedOnTheLatestEarlierRequestOfItsName) {
    // a: x, b: y, a like the latest a but to y: the encoder's way, and what the hand-written bytes say.
    const std::string good = HandPlan(3, [](ByteWriter& w, const auto& index) {
        FullRecord(w, index, "a", "http://127.0.0.1:1/x");
        FullRecord(w, index, "b", "http://127.0.0.1:1/y");
        BasedRecord(w, index, 2, "http://127.0.0.1:1/y");
    });
    BothResults r = DecodeBothWays(good);
    ASSERT_TRUE(r.decoded) << r.decode_error;
    ASSERT_TRUE(r.streamed) << r.stream_error;
    ASSERT_EQ(r.plan.scenarios[0].requests.size(), 3u);
    EXPECT_EQ(r.plan.scenarios[0].requests[2].name, "a");
    EXPECT_EQ(r.plan.scenarios[0].requests[2].url, Lit("http://127.0.0.1:1/y"));
    EXPECT_EQ(EncodePlan(r.plan), good) << "the encoder writes the same bases";

    // a: x, a: y (based on the first), a based on the first a: no longer the latest of its name.
    const std::string stale = HandPlan(3, [](ByteWriter& w, const auto& index) {
        FullRecord(w, index, "a", "http://127.0.0.1:1/x");
        BasedRecord(w, index, 1, "http://127.0.0.1:1/y");
        BasedRecord(w, index, 2, "http://127.0.0.1:1/x");
    });
    r = DecodeBothWays(stale);
    EXPECT_FALSE(r.decoded);
    EXPECT_FALSE(r.streamed);
    EXPECT_EQ(r.decode_error, "invalid plan: request base is not the latest earlier request of its name");
    EXPECT_EQ(r.stream_error, r.decode_error);

    // A record based on a request of another name may not rename it.
    const std::string renamed = HandPlan(2, [](ByteWriter& w, const auto& index) {
        FullRecord(w, index, "a", "http://127.0.0.1:1/x");
        BasedRecord(w, index, 1, "http://127.0.0.1:1/y", "b");
    });
    r = DecodeBothWays(renamed);
    EXPECT_FALSE(r.decoded);
    EXPECT_EQ(r.decode_error, "invalid plan: a request record changes the name of its base");
    EXPECT_EQ(r.stream_error, r.decode_error);
}

}  // namespace
}  // namespace lse::plan
