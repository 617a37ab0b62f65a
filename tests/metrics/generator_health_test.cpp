#include "lse/metrics/generator_health.hpp"

#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "generator_health_sample.hpp"
#include "lse/core/byte_codec.hpp"

namespace lse::metrics {
namespace {

std::string Encode(const GeneratorHealth& h) {
    std::string out;
    h.AppendTo(&out);
    return out;
}

bool Decode(std::string_view bytes, GeneratorHealth* out, std::string* error = nullptr) {
    std::string_view in = bytes;
    return GeneratorHealth::DecodeFrom(&in, out, error) && in.empty();
}

// One thread's interval as a worker measures it.
GeneratorHealth Thread(std::initializer_list<std::int64_t> lags_us, std::uint64_t arrivals, std::uint64_t late,
                       std::uint32_t sockets) {
    GeneratorHealth h;
    h.threads = 1;
    for (std::int64_t lag : lags_us) h.loop_lag_us.Record(lag);
    h.arrivals = arrivals;
    h.late_arrivals = late;
    h.open_sockets = sockets;
    return h;
}

// Every field set: the sample, with lags in several buckets and saturated periods.
GeneratorHealth Full() {
    GeneratorHealth h = testing::SampleGeneratorHealth(100, 1);
    for (std::int64_t lag : {200, 12'000, 30'000}) h.loop_lag_us.Record(lag);
    h.intervals = 3;
    h.saturated_intervals = 2;
    h.saturated = {{0, 1000}, {5000, 6000}};
    return h;
}

TEST(GeneratorHealth, MergeAddsCountsAndKeepsTheWorstGauges) {
    GeneratorHealth a = Thread({100, 300}, 10, 1, 4);
    a.process_cpu = 0.5;
    a.host_cpu = 0.9;
    a.rss_bytes = 1000;
    a.saturated = {{0, 1000}};
    GeneratorHealth b = Thread({20'000}, 5, 2, 7);
    b.threads = 3;
    b.process_cpu = 1.5;
    b.host_cpu = 0.2;
    b.rss_bytes = 500;
    b.ephemeral_port_range = 100;
    b.saturated = {{1000, 2000}, {4000, 5000}};
    a += b;
    EXPECT_EQ(a.threads, 3u);
    EXPECT_EQ(a.loop_lag_us.Count(), 3u);
    EXPECT_EQ(a.loop_lag_us.Max(), 20'000);
    EXPECT_EQ(a.arrivals, 15u);
    EXPECT_EQ(a.late_arrivals, 3u);
    EXPECT_EQ(a.open_sockets, 7u);
    EXPECT_DOUBLE_EQ(a.process_cpu, 1.5);
    EXPECT_DOUBLE_EQ(a.host_cpu, 0.9);
    EXPECT_EQ(a.rss_bytes, 1000u);
    EXPECT_EQ(a.ephemeral_port_range, 100u);
    EXPECT_EQ(a.saturated, (std::vector<SaturatedPeriod>{{0, 2000}, {4000, 5000}})) << "touching periods join";
    a.Reset();
    EXPECT_EQ(a, GeneratorHealth());
}

TEST(GeneratorHealth, SaturatedOnLagOrOnCpuWithLateArrivals) {
    EXPECT_FALSE(IsSaturated(GeneratorHealth())) << "nothing measured";
    GeneratorHealth lag;
    for (int i = 0; i < 98; ++i) lag.loop_lag_us.Record(500);
    lag.loop_lag_us.Record(30'000);
    lag.loop_lag_us.Record(30'000);
    EXPECT_TRUE(IsSaturated(lag)) << "2 of 100 samples 30 ms late: p99 above 10 ms";
    GeneratorHealth one_spike;
    for (int i = 0; i < 199; ++i) one_spike.loop_lag_us.Record(500);
    one_spike.loop_lag_us.Record(30'000);
    EXPECT_FALSE(IsSaturated(one_spike)) << "one sample in 200 is below the 99th percentile";

    GeneratorHealth cpu;
    cpu.threads = 2;
    cpu.process_cpu = 1.9;  // 0.95 per thread
    cpu.arrivals = 100;
    EXPECT_FALSE(IsSaturated(cpu)) << "busy, but every arrival on time";
    cpu.late_arrivals = 4;
    EXPECT_FALSE(IsSaturated(cpu)) << "4 late arrivals: fewer than 5 is a hiccup, whatever their share";
    cpu.late_arrivals = 5;
    EXPECT_TRUE(IsSaturated(cpu));
    cpu.process_cpu = 1.0;
    EXPECT_FALSE(IsSaturated(cpu)) << "0.5 per thread: late for another reason";
    cpu.host_cpu = 0.95;
    EXPECT_TRUE(IsSaturated(cpu)) << "the host is busy";
    cpu.arrivals = 1000;
    cpu.late_arrivals = 9;
    EXPECT_FALSE(IsSaturated(cpu)) << "9 late arrivals in 1000 on a busy host: under 1%";
    cpu.late_arrivals = 10;
    EXPECT_TRUE(IsSaturated(cpu)) << "1% of the arrivals late";
}

TEST(GeneratorHealth, PeriodsStaySortedDisjointAndBounded) {
    std::vector<SaturatedPeriod> p;
    AddSaturatedPeriod(&p, {3000, 4000});
    AddSaturatedPeriod(&p, {1000, 2000});
    AddSaturatedPeriod(&p, {5, 5});  // empty: ignored
    EXPECT_EQ(p, (std::vector<SaturatedPeriod>{{1000, 2000}, {3000, 4000}}));
    AddSaturatedPeriod(&p, {1500, 3000});
    EXPECT_EQ(p, (std::vector<SaturatedPeriod>{{1000, 4000}}));
    p.clear();
    for (std::int64_t i = 0; i < static_cast<std::int64_t>(kMaxSaturatedPeriods) + 10; ++i) {
        AddSaturatedPeriod(&p, {i * 2000, i * 2000 + 1000});
    }
    EXPECT_EQ(p.size(), kMaxSaturatedPeriods);
    EXPECT_EQ(p.front().from_ms, 0);
    EXPECT_EQ(p.back().to_ms, (static_cast<std::int64_t>(kMaxSaturatedPeriods) + 9) * 2000 + 1000);
    for (std::size_t i = 1; i < p.size(); ++i) EXPECT_LT(p[i - 1].to_ms, p[i].from_ms);
}

TEST(GeneratorHealth, RoundTripsAndReusesTheHistogram) {
    const GeneratorHealth h = Full();
    const std::string bytes = Encode(h);
    GeneratorHealth out = Thread({1, 2, 3}, 1, 0, 1);
    out.saturated = {{7, 8}};
    std::string error;
    ASSERT_TRUE(Decode(bytes, &out, &error)) << error;
    EXPECT_EQ(out, h);
    GeneratorHealth empty;
    ASSERT_TRUE(Decode(Encode(GeneratorHealth()), &empty, &error)) << error;
    EXPECT_EQ(empty, GeneratorHealth());
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        EXPECT_FALSE(Decode(std::string_view(bytes).substr(0, n), &out)) << n;
    }
}

// Encodes `h` field by field as AppendTo does, with the chance to break one field.
struct Fields {
    std::uint64_t threads = 1, intervals = 1;
    double process_cpu = 0.5, host_cpu = 0.5;
    std::uint64_t arrivals = 10, late = 1, sockets = 1, ports = 1, range = 100, rss = 1, saturated = 1;
    std::vector<std::pair<std::int64_t, std::int64_t>> periods = {{0, 1000}};

    std::string Encode() const {
        std::string out;
        ByteWriter w(&out);
        w.U64(threads);
        w.U64(intervals);
        Histogram().AppendTo(&out);
        w.F64(process_cpu);
        w.F64(host_cpu);
        w.U64(arrivals);
        w.U64(late);
        w.U64(sockets);
        w.U64(ports);
        w.U64(range);
        w.U64(rss);
        w.U64(saturated);
        w.U64(periods.size());
        for (const auto& [from, to] : periods) {
            w.I64(from);
            w.I64(to);
        }
        return out;
    }
};

void ExpectRefused(const Fields& f, std::string_view why) {
    GeneratorHealth out;
    std::string error;
    EXPECT_FALSE(Decode(f.Encode(), &out, &error)) << why;
    EXPECT_NE(error.find(why), std::string::npos) << error;
}

TEST(GeneratorHealth, DecodeRefusesInsaneNumbers) {
    GeneratorHealth out;
    std::string error;
    ASSERT_TRUE(Decode(Fields{}.Encode(), &out, &error)) << error;

    Fields f;
    f.threads = kMaxGeneratorThreads + 1;
    ExpectRefused(f, "too many threads");
    f = Fields{};
    f.process_cpu = -0.1;
    ExpectRefused(f, "process cpu out of range");
    f.process_cpu = std::numeric_limits<double>::quiet_NaN();
    ExpectRefused(f, "process cpu out of range");
    f = Fields{};
    f.host_cpu = 1.01;
    ExpectRefused(f, "host cpu out of range");
    f = Fields{};
    f.late = 11;
    ExpectRefused(f, "more late arrivals than arrivals");
    f = Fields{};
    f.sockets = std::uint64_t{1} << 32;
    ExpectRefused(f, "truncated sockets");  // a varint beyond 32 bits
    f = Fields{};
    f.ports = kMaxPorts + 1;
    ExpectRefused(f, "port count out of range");
    f = Fields{};
    f.saturated = 2;
    ExpectRefused(f, "more saturated intervals than intervals");
    f = Fields{};
    f.periods.assign(kMaxSaturatedPeriods + 1, {0, 1});
    ExpectRefused(f, "too many saturated periods");
    f = Fields{};
    f.periods = {{-1, 5}};
    ExpectRefused(f, "bad saturated period");
    f.periods = {{5, 5}};
    ExpectRefused(f, "bad saturated period");
    f.periods = {{0, 1000}, {1000, 2000}};
    ExpectRefused(f, "not sorted and apart");
    f.periods = {{2000, 3000}, {0, 1000}};
    ExpectRefused(f, "not sorted and apart");
}

TEST(GeneratorHealth, ValidIds) {
    EXPECT_TRUE(IsValidGeneratorId(kLocalGenerator));
    EXPECT_TRUE(IsValidGeneratorId("agent-1.eu"));
    EXPECT_FALSE(IsValidGeneratorId(""));
    EXPECT_FALSE(IsValidGeneratorId("a b"));
    EXPECT_FALSE(IsValidGeneratorId("a\x7f"));
    EXPECT_FALSE(IsValidGeneratorId(std::string(kMaxGeneratorIdLength + 1, 'a')));
    EXPECT_TRUE(IsValidGeneratorId(std::string(kMaxGeneratorIdLength, 'a')));
}

}  // namespace
}  // namespace lse::metrics
