// The load generators' health (issue 16) in the exposition: lsengine_generator_* families with a `generator` label,
// read back with the strict parser, and the exporter keeping each generator's latest gauges between intervals.
#include <gtest/gtest.h>

#include <string>

#include "exposition_parser.hpp"
#include "generator_health_sample.hpp"  // tests/metrics
#include "lse/prometheus/exporter.hpp"
#include "lse/prometheus/exposition.hpp"
#include "snapshot_builder.hpp"

namespace lse::prometheus {
namespace {

using metrics::GeneratorHealth;
using metrics::Snapshot;
using testing::Exposition;

Exposition Parse(const std::string& text) {
    Exposition e;
    std::string error;
    EXPECT_TRUE(testing::ParseExposition(text, &e, &error)) << error << "\n" << text;
    return e;
}

TEST(GeneratorFamilies, FamiliesAreThereBeforeAnyReport) {
    const Exposition e = Parse(RenderExposition(ExpositionInput{}));
    for (const char* family :
         {"lsengine_generators_saturated", "lsengine_generator_saturated", "lsengine_generator_cpu_cores",
          "lsengine_generator_rss_bytes", "lsengine_generator_late_arrivals_total", "lsengine_generator_loop_lag_seconds"}) {
        EXPECT_EQ(e.types.count(family), 1u) << family;
    }
    EXPECT_EQ(e.types.at("lsengine_generator_loop_lag_seconds"), "histogram");
    EXPECT_EQ(e.types.at("lsengine_generator_arrivals_total"), "counter");
    EXPECT_TRUE(e.Find("lsengine_generators_saturated").empty()) << "no report, no value";
}

TEST(GeneratorFamilies, CountersAndLagFromTheRunGaugesFromTheLatestInterval) {
    Snapshot total;
    total.generators["a1"] = metrics::testing::SampleGeneratorHealth(3'000, 10);
    GeneratorHealth a2 = metrics::testing::SampleGeneratorHealth(30'000, 4);
    a2.saturated_intervals = 2;
    metrics::AddSaturatedPeriod(&a2.saturated, {1'000, 3'000});
    total.generators["a2"] = a2;
    total.generators["a3"] = GeneratorHealth{};  // no report: no series
    ExpositionInput in;
    in.cumulative = &total;
    in.generator_gauges["a1"] = GeneratorGauges{2, 0.5, 0.25, 10, 11, 28232, 4096, false};
    in.generator_gauges["a2"] = GeneratorGauges{4, 3.5, 0.9, 30, 31, 0, 8192, true};
    const Exposition e = Parse(RenderExposition(in));

    EXPECT_EQ(e.Value("lsengine_generators_saturated"), 1);
    EXPECT_EQ(e.Value("lsengine_generator_saturated", {{"generator", "a1"}}), 0);
    EXPECT_EQ(e.Value("lsengine_generator_saturated", {{"generator", "a2"}}), 1);
    EXPECT_EQ(e.Value("lsengine_generator_saturated_intervals_total", {{"generator", "a2"}}), 2);
    EXPECT_EQ(e.Value("lsengine_generator_threads", {{"generator", "a2"}}), 4);
    EXPECT_EQ(e.Value("lsengine_generator_cpu_cores", {{"generator", "a2"}}), 3.5);
    EXPECT_EQ(e.Value("lsengine_generator_host_cpu_ratio", {{"generator", "a1"}}), 0.25);
    EXPECT_EQ(e.Value("lsengine_generator_open_sockets", {{"generator", "a1"}}), 10);
    EXPECT_EQ(e.Value("lsengine_generator_ephemeral_ports", {{"generator", "a2"}}), 31);
    EXPECT_EQ(e.Value("lsengine_generator_ephemeral_port_range", {{"generator", "a1"}}), 28232);
    EXPECT_TRUE(e.Find("lsengine_generator_ephemeral_port_range", {{"generator", "a2"}}).empty()) << "unknown range";
    EXPECT_EQ(e.Value("lsengine_generator_rss_bytes", {{"generator", "a2"}}), 8192);
    EXPECT_EQ(e.Value("lsengine_generator_arrivals_total", {{"generator", "a1"}}), 300);
    EXPECT_EQ(e.Value("lsengine_generator_late_arrivals_total", {{"generator", "a1"}}), 7);
    EXPECT_TRUE(e.Find("lsengine_generator_arrivals_total", {{"generator", "a3"}}).empty());

    // Lag histogram: a1's 10 samples of 3 ms fall in le=0.005, not in le=0.0025; a2's 4 samples of 30 ms in le=0.05.
    EXPECT_EQ(e.Value("lsengine_generator_loop_lag_seconds_bucket", {{"generator", "a1"}, {"le", "0.0025"}}), 0);
    EXPECT_EQ(e.Value("lsengine_generator_loop_lag_seconds_bucket", {{"generator", "a1"}, {"le", "0.005"}}), 10);
    EXPECT_EQ(e.Value("lsengine_generator_loop_lag_seconds_bucket", {{"generator", "a2"}, {"le", "0.025"}}), 0);
    EXPECT_EQ(e.Value("lsengine_generator_loop_lag_seconds_bucket", {{"generator", "a2"}, {"le", "0.05"}}), 4);
    EXPECT_EQ(e.Value("lsengine_generator_loop_lag_seconds_bucket", {{"generator", "a2"}, {"le", "+Inf"}}), 4);
    EXPECT_EQ(e.Value("lsengine_generator_loop_lag_seconds_count", {{"generator", "a1"}}), 10);
    EXPECT_DOUBLE_EQ(e.Value("lsengine_generator_loop_lag_seconds_sum", {{"generator", "a1"}}),
                     static_cast<double>(total.generators["a1"].loop_lag_us.Sum()) / 1e6);
}

TEST(GeneratorFamilies, IdsAreEscapedLikeEveryLabel) {
    Snapshot total;
    total.generators["agent \"x\"\n"] = metrics::testing::SampleGeneratorHealth(1'000, 1);
    ExpositionInput in;
    in.cumulative = &total;
    const Exposition e = Parse(RenderExposition(in));
    EXPECT_EQ(e.Value("lsengine_generator_arrivals_total", {{"generator", "agent \"x\"\n"}}), 300);
}

TEST(GeneratorFamilies, ExporterKeepsAGeneratorsGaugesWhenAnIntervalMissesIt) {
    PrometheusExporter exporter("127.0.0.1:0");
    report::RunDescription run;
    exporter.OnStart(run);
    Snapshot first;
    first.generators["a1"] = metrics::testing::SampleGeneratorHealth(1'000, 1);
    first.generators["a2"] = metrics::testing::SampleGeneratorHealth(1'000, 1);
    first.generators["a2"].rss_bytes = 5000;
    Snapshot cumulative = first;
    exporter.OnInterval(report::IntervalUpdate{first, cumulative, 1'000'000'000, 0, 0, 0, "", {}});
    Snapshot second = first;
    second.Reset();
    second.generators["a1"] = metrics::testing::SampleGeneratorHealth(40'000, 1);
    second.generators["a1"].saturated_intervals = 1;
    second.generators["a1"].rss_bytes = 7000;
    cumulative += second;
    exporter.OnInterval(report::IntervalUpdate{second, cumulative, 2'000'000'000, 0, 0, 0, "", {}});
    const Exposition e = Parse(exporter.CurrentText());
    EXPECT_EQ(e.Value("lsengine_generator_rss_bytes", {{"generator", "a1"}}), 7000);
    EXPECT_EQ(e.Value("lsengine_generator_rss_bytes", {{"generator", "a2"}}), 5000) << "kept from the first interval";
    EXPECT_EQ(e.Value("lsengine_generator_saturated", {{"generator", "a1"}}), 1);
    EXPECT_EQ(e.Value("lsengine_generator_saturated", {{"generator", "a2"}}), 0);
    EXPECT_EQ(e.Value("lsengine_generators_saturated"), 1);
    EXPECT_EQ(e.Value("lsengine_generator_loop_lag_seconds_count", {{"generator", "a1"}}), 2);
}

}  // namespace
}  // namespace lse::prometheus
