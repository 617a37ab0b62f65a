#include "lse/prometheus/exposition.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "exposition_parser.hpp"
#include "lse/testing/temp_files.hpp"
#include "snapshot_builder.hpp"

namespace lse::prometheus {
namespace {

using metrics::MakeStatKey;
using metrics::Snapshot;
using metrics::StatKind;
using testing::AddErrors;
using testing::AddResponses;
using testing::Exposition;
using testing::Request;

Exposition Parse(const std::string& text) {
    Exposition e;
    std::string error;
    EXPECT_TRUE(testing::ParseExposition(text, &e, &error)) << error << "\n" << text;
    return e;
}

Exposition Render(const Snapshot* snapshot) {
    ExpositionInput in;
    in.cumulative = snapshot;
    in.script = "shop.lua";
    in.target = "http://127.0.0.1:8080";
    return Parse(RenderExposition(in));
}

const std::map<std::string, std::string> kHome = {{"scenario", "browse"}, {"task", "home"}, {"request", "GET /"}};

std::map<std::string, std::string> With(std::map<std::string, std::string> labels, const std::string& k,
                                        const std::string& v) {
    labels[k] = v;
    return labels;
}

// A snapshot with every kind of entry: requests, failures, iterations, dropped arrivals, checks.
Snapshot FullSnapshot(int scale) {
    Snapshot s;
    auto& home = Request(&s, "browse", "home", "GET /");
    AddResponses(&s, &home, 5 * scale, 200, 800, 1'200);
    AddResponses(&s, &home, 2 * scale, 503, 40'000, 60'000);
    AddErrors(&s, &home, 3 * scale, ErrorKind::kTimeout);
    AddErrors(&s, &home, 1 * scale, ErrorKind::kConnect);
    auto& buy = Request(&s, "checkout", "pay", "POST /pay");
    AddResponses(&s, &buy, 4 * scale, 201, 120'000, 300'000);
    auto& task = s.ForName(MakeStatKey(StatKind::kTask, "checkout", "pay"));
    for (int i = 0; i < 4 * scale; ++i) task.RecordCompletion(ErrorKind::kNone, 0, true, 150'000, 150'000, 0, 0);
    for (int i = 0; i < scale; ++i) task.RecordCompletion(ErrorKind::kCheck, 0, false, 150'000, 150'000, 0, 0);
    s.ForName(MakeStatKey(StatKind::kScenario, "checkout")).RecordDropped(7 * static_cast<std::uint64_t>(scale));
    auto& check = s.checks[MakeStatKey(StatKind::kCheck, "checkout", "pay", "status is 201")];
    check.passes = 4 * static_cast<std::uint64_t>(scale);
    check.fails = static_cast<std::uint64_t>(scale);
    return s;
}

TEST(Exposition, EveryFamilyHasHelpAndTypeEvenWithoutSamples) {
    const Exposition e = Render(nullptr);
    const std::map<std::string, std::string> expected = {
        {"lsengine_run_info", "gauge"},
        {"lsengine_run_elapsed_seconds", "gauge"},
        {"lsengine_run_duration_seconds", "gauge"},
        {"lsengine_run_finished", "gauge"},
        {"lsengine_target_rps", "gauge"},
        {"lsengine_active_vusers", "gauge"},
        {"lsengine_agents", "gauge"},
        {"lsengine_thresholds_failed", "gauge"},
        {"lsengine_requests_total", "counter"},
        {"lsengine_request_errors_total", "counter"},
        {"lsengine_request_duration_seconds", "histogram"},
        {"lsengine_response_time_seconds", "histogram"},
        {"lsengine_iterations_total", "counter"},
        {"lsengine_dropped_arrivals_total", "counter"},
        {"lsengine_checks_total", "counter"},
        // The load generators' health (issue 16; generator_families_test.cpp has their samples).
        {"lsengine_generators_saturated", "gauge"},
        {"lsengine_generator_saturated", "gauge"},
        {"lsengine_generator_saturated_intervals_total", "counter"},
        {"lsengine_generator_threads", "gauge"},
        {"lsengine_generator_cpu_cores", "gauge"},
        {"lsengine_generator_host_cpu_ratio", "gauge"},
        {"lsengine_generator_open_sockets", "gauge"},
        {"lsengine_generator_ephemeral_ports", "gauge"},
        {"lsengine_generator_ephemeral_port_range", "gauge"},
        {"lsengine_generator_rss_bytes", "gauge"},
        {"lsengine_generator_arrivals_total", "counter"},
        {"lsengine_generator_late_arrivals_total", "counter"},
        {"lsengine_generator_loop_lag_seconds", "histogram"},
    };
    EXPECT_EQ(e.types, expected);
    for (const auto& [name, type] : expected) EXPECT_FALSE(e.helps.at(name).empty()) << name;
    EXPECT_EQ(e.Value("lsengine_run_info", {{"script", "shop.lua"}, {"target", "http://127.0.0.1:8080"}}), 1);
    EXPECT_TRUE(e.Find("lsengine_requests_total").empty());
    EXPECT_TRUE(e.Find("lsengine_thresholds_failed").empty()) << "verdicts are not known before the end";
    EXPECT_TRUE(e.Find("lsengine_agents").empty()) << "not a distributed run";
}

TEST(Exposition, RequestsByStatusAndErrorsByKind) {
    const Snapshot s = FullSnapshot(1);
    const Exposition e = Render(&s);
    EXPECT_EQ(e.Value("lsengine_requests_total", With(kHome, "status", "200")), 5);
    EXPECT_EQ(e.Value("lsengine_requests_total", With(kHome, "status", "503")), 2);
    EXPECT_EQ(e.Value("lsengine_requests_total", With(kHome, "status", "error")), 4);
    EXPECT_EQ(e.Value("lsengine_request_errors_total", With(kHome, "kind", "status")), 2);
    EXPECT_EQ(e.Value("lsengine_request_errors_total", With(kHome, "kind", "timeout")), 3);
    EXPECT_EQ(e.Value("lsengine_request_errors_total", With(kHome, "kind", "connect")), 1);
    EXPECT_TRUE(e.Find("lsengine_request_errors_total", With(kHome, "kind", "dns")).empty());
    // Every completed attempt is in exactly one status series.
    double sum = 0;
    for (const auto& sample : e.Find("lsengine_requests_total", kHome)) sum += sample.value;
    EXPECT_EQ(sum, static_cast<double>(s.by_name.at(MakeStatKey(StatKind::kRequest, "browse", "home", "GET /")).requests));
    EXPECT_EQ(e.Value("lsengine_requests_total", {{"scenario", "checkout"}, {"status", "201"}}), 4);
}

// group() (issue 15): a grouped request's series carry a group label; ungrouped ones keep the labels they had.
TEST(Exposition, GroupedRequestsCarryAGroupLabel) {
    Snapshot s = FullSnapshot(1);
    auto& grouped = s.ForName(MakeStatKey(StatKind::kRequest, "browse", "home", "GET /", "checkout::payment"));
    AddResponses(&s, &grouped, 6, 200, 900, 1'000);
    AddErrors(&s, &grouped, 1, ErrorKind::kTimeout);
    const Exposition e = Render(&s);
    const auto in_group = With(kHome, "group", "checkout::payment");
    EXPECT_EQ(e.Value("lsengine_requests_total", With(in_group, "status", "200")), 6);
    EXPECT_EQ(e.Value("lsengine_request_errors_total", With(in_group, "kind", "timeout")), 1);
    EXPECT_EQ(e.Value("lsengine_request_duration_seconds_count", in_group), 6);  // the timeout has no latency
    // The ungrouped series of the same request: no group label at all, counts unchanged.
    for (const auto& sample : e.Find("lsengine_requests_total", kHome)) {
        if (sample.labels.count("group") == 0) continue;
        EXPECT_EQ(sample.labels.at("group"), "checkout::payment");
    }
    double ungrouped = 0;
    for (const auto& sample : e.Find("lsengine_requests_total", kHome)) {
        if (sample.labels.count("group") == 0) ungrouped += sample.value;
    }
    EXPECT_EQ(ungrouped, 11);  // FullSnapshot's 5 + 2 + 3 + 1
}

// check() inside group() (issue 15): the check's series carry a group label; ungrouped checks keep their labels.
TEST(Exposition, ChecksMadeInAGroupCarryAGroupLabel) {
    Snapshot s = FullSnapshot(1);
    s.checks[MakeStatKey(StatKind::kCheck, "checkout", "pay", "status is 201", "checkout::payment")] = {7, 3};
    const Exposition e = Render(&s);
    const std::map<std::string, std::string> check = {
        {"scenario", "checkout"}, {"task", "pay"}, {"check", "status is 201"}};
    const auto in_group = With(check, "group", "checkout::payment");
    EXPECT_EQ(e.Value("lsengine_checks_total", With(in_group, "result", "pass")), 7);
    EXPECT_EQ(e.Value("lsengine_checks_total", With(in_group, "result", "fail")), 3);
    double ungrouped_passes = 0;
    std::size_t ungrouped_series = 0;
    for (const auto& sample : e.Find("lsengine_checks_total", check)) {
        if (sample.labels.count("group") != 0) continue;
        ++ungrouped_series;
        if (sample.labels.at("result") == "pass") ungrouped_passes += sample.value;
    }
    EXPECT_EQ(ungrouped_series, 2u);
    EXPECT_EQ(ungrouped_passes, 4);  // FullSnapshot's check, unchanged
}

// bytes_decoded (issue 15): one counter per request series that decoded bodies; the family is absent otherwise, so
// the exposition of a run that decodes nothing is as before.
TEST(Exposition, DecodedBytesOnlyForRowsThatDecoded) {
    Snapshot s = FullSnapshot(1);
    ExpositionInput plain;
    plain.cumulative = &s;
    EXPECT_EQ(RenderExposition(plain).find("lsengine_bytes_decoded_total"), std::string::npos);
    s.ForName(MakeStatKey(StatKind::kRequest, "browse", "home", "GET /")).RecordDecoded(5000);
    s.ForName(MakeStatKey(StatKind::kRequest, "browse", "home", "GET /", "checkout")).RecordDecoded(700);
    const Exposition e = Render(&s);
    EXPECT_EQ(e.Value("lsengine_bytes_decoded_total", With(kHome, "group", "checkout")), 700);
    double ungrouped = 0;
    for (const auto& sample : e.Find("lsengine_bytes_decoded_total", kHome)) {
        if (sample.labels.count("group") == 0) ungrouped += sample.value;
    }
    EXPECT_EQ(ungrouped, 5000);
    EXPECT_EQ(e.Find("lsengine_bytes_decoded_total").size(), 2u);  // not the rows that decoded nothing
}

// tags (issue 15): one label per tag on a tagged request's series (escaped values); untagged series unchanged.
TEST(Exposition, TaggedRequestsCarryOneLabelPerTag) {
    Snapshot s = FullSnapshot(1);
    auto& tagged = s.ForName(MakeStatKey(StatKind::kRequest, "browse", "home", "GET /", "checkout",
                                         "env\x1esta\"ging\x1dtier\x1egold"));
    AddResponses(&s, &tagged, 6, 200, 900, 1'000);
    AddErrors(&s, &tagged, 1, ErrorKind::kTimeout);
    const Exposition e = Render(&s);
    const auto labels = With(With(With(kHome, "group", "checkout"), "env", "sta\"ging"), "tier", "gold");
    EXPECT_EQ(e.Value("lsengine_requests_total", With(labels, "status", "200")), 6);
    EXPECT_EQ(e.Value("lsengine_request_errors_total", With(labels, "kind", "timeout")), 1);
    EXPECT_EQ(e.Value("lsengine_request_duration_seconds_count", labels), 6);
    EXPECT_EQ(e.Value("lsengine_request_duration_seconds_bucket", With(labels, "le", "+Inf")), 6);
    double untagged = 0;
    for (const auto& sample : e.Find("lsengine_requests_total", kHome)) {
        if (sample.labels.count("env") == 0) {
            untagged += sample.value;
        } else {
            EXPECT_EQ(sample.labels.at("tier"), "gold");
        }
    }
    EXPECT_EQ(untagged, 11);  // FullSnapshot's 5 + 2 + 3 + 1
}

TEST(Exposition, StatusOutsideHttpRangeIsOther) {
    Snapshot s;
    auto& r = Request(&s, "sc", "t", "odd");
    AddResponses(&s, &r, 3, 999, 10, 10);
    const Exposition e = Render(&s);
    EXPECT_EQ(e.Value("lsengine_requests_total", {{"request", "odd"}, {"status", "other"}}), 3);
}

TEST(Exposition, HistogramBucketsAreCumulativeExactAndConsistent) {
    Snapshot s;
    auto& r = Request(&s, "browse", "home", "GET /");
    // Service times: one below the first bound, one exactly on it, then spread up to beyond 10 s.
    for (std::int64_t us : {500, 1'000, 1'001, 3'000, 30'000, 700'000, 20'000'000}) {
        s.RecordCompletion(&r, ErrorKind::kNone, 200, true, us, us * 2, 0, 0);
    }
    const Exposition e = Render(&s);
    const std::map<std::string, double> expected = {
        {"0.001", 2}, {"0.0025", 3}, {"0.005", 4}, {"0.01", 4}, {"0.025", 4}, {"0.05", 5}, {"0.1", 5},
        {"0.25", 5},  {"0.5", 5},    {"1", 6},     {"2.5", 6},  {"5", 6},     {"10", 6},  {"+Inf", 7}};
    const auto buckets = e.Find("lsengine_request_duration_seconds_bucket", kHome);
    ASSERT_EQ(buckets.size(), expected.size());
    double previous = -1;
    for (const auto& b : buckets) {  // in exposition order: increasing le
        const std::string le = b.labels.at("le");
        EXPECT_EQ(b.value, expected.at(le)) << "le=" << le;
        EXPECT_GE(b.value, previous) << "le=" << le;
        previous = b.value;
    }
    EXPECT_EQ(buckets.back().labels.at("le"), "+Inf");
    EXPECT_EQ(e.Value("lsengine_request_duration_seconds_count", kHome), 7);
    EXPECT_DOUBLE_EQ(e.Value("lsengine_request_duration_seconds_sum", kHome),
                     (500 + 1'000 + 1'001 + 3'000 + 30'000 + 700'000 + 20'000'000) / 1e6);
    // The response-time family is its own histogram (values doubled above).
    EXPECT_EQ(e.Value("lsengine_response_time_seconds_bucket", With(kHome, "le", "0.001")), 1);
    EXPECT_EQ(e.Value("lsengine_response_time_seconds_bucket", With(kHome, "le", "0.0025")), 3);
    EXPECT_DOUBLE_EQ(e.Value("lsengine_response_time_seconds_sum", kHome),
                     2 * (500 + 1'000 + 1'001 + 3'000 + 30'000 + 700'000 + 20'000'000) / 1e6);
}

TEST(Exposition, HistogramCountEqualsRequestsForRandomLatencies) {
    Snapshot s;
    auto& r = Request(&s, "sc", "t", "GET /x");
    std::mt19937_64 rng(42);
    std::lognormal_distribution<double> latency(std::log(20'000.0), 2.5);
    const int n = 5'000;
    for (int i = 0; i < n; ++i) {
        const auto us = static_cast<std::int64_t>(latency(rng));
        s.RecordCompletion(&r, ErrorKind::kNone, 200, true, us, us + 100, 0, 0);
    }
    const Exposition e = Render(&s);
    for (const std::string family : {"lsengine_request_duration_seconds", "lsengine_response_time_seconds"}) {
        const auto buckets = e.Find(family + "_bucket", {{"request", "GET /x"}});
        ASSERT_EQ(buckets.size(), kBucketBoundsUs.size() + 1);
        for (size_t i = 1; i < buckets.size(); ++i) EXPECT_GE(buckets[i].value, buckets[i - 1].value) << family;
        EXPECT_GT(buckets.front().value, 0) << "some samples fall below 1 ms";
        EXPECT_LT(buckets[buckets.size() - 2].value, n) << "some samples are above 10 s";
        EXPECT_EQ(buckets.back().value, n);
        const metrics::Histogram& h = family == "lsengine_request_duration_seconds" ? r.service_time_us
                                                                                      : r.response_time_us;
        for (size_t i = 0; i < kBucketBoundsUs.size(); ++i) {
            EXPECT_EQ(buckets[i].value, static_cast<double>(h.CountAtOrBelow(kBucketBoundsUs[i])))
                << family << " le=" << buckets[i].labels.at("le");
        }
        EXPECT_EQ(e.Value(family + "_count", {{"request", "GET /x"}}), n);
        EXPECT_EQ(e.Value("lsengine_requests_total", {{"request", "GET /x"}, {"status", "200"}}), n);
    }
}

TEST(Exposition, IterationsDroppedArrivalsAndChecks) {
    const Snapshot s = FullSnapshot(1);
    const Exposition e = Render(&s);
    EXPECT_EQ(e.Value("lsengine_iterations_total", {{"scenario", "checkout"}, {"task", "pay"}, {"result", "ok"}}), 4);
    EXPECT_EQ(e.Value("lsengine_iterations_total", {{"scenario", "checkout"}, {"task", "pay"}, {"result", "failed"}}),
              1);
    EXPECT_EQ(e.Value("lsengine_dropped_arrivals_total", {{"scenario", "checkout"}}), 7);
    const std::map<std::string, std::string> check = {
        {"scenario", "checkout"}, {"task", "pay"}, {"check", "status is 201"}};
    EXPECT_EQ(e.Value("lsengine_checks_total", With(check, "result", "pass")), 4);
    EXPECT_EQ(e.Value("lsengine_checks_total", With(check, "result", "fail")), 1);
    // Task and scenario entries are not requests.
    EXPECT_TRUE(e.Find("lsengine_requests_total", {{"scenario", "checkout"}, {"request", ""}}).empty());
}

TEST(Exposition, EscapesLabelValues) {
    EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
    EXPECT_EQ(EscapeLabelValue("tab\there\x1f\x7f"), "tab?here??");
    EXPECT_EQ(EscapeLabelValue("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    EXPECT_EQ(EscapeLabelValue("bad\xff\xc3(\xed\xa0\x80"), "bad?" "?(???") << "invalid UTF-8, overlong or surrogate";

    Snapshot s;
    const std::string name = "GET /q?x=\"1\"&y=\\2\nZ \xc3\xa9\x01";
    auto& r = Request(&s, "sc \"quoted\"", "t\\", name);
    AddResponses(&s, &r, 2, 200, 10, 10);
    const Exposition e = Render(&s);
    EXPECT_EQ(e.Value("lsengine_requests_total", {{"scenario", "sc \"quoted\""},
                                                  {"task", "t\\"},
                                                  {"request", "GET /q?x=\"1\"&y=\\2\nZ \xc3\xa9?"},
                                                  {"status", "200"}}),
              2);
}

TEST(Exposition, NamesThatSanitizeAlikeMergeIntoOneSeries) {
    Snapshot s;
    auto& a = Request(&s, "sc", "t", "x\x01");
    auto& b = Request(&s, "sc", "t", "x\x02");
    AddResponses(&s, &a, 2, 200, 10, 10);
    AddResponses(&s, &b, 3, 200, 2'000, 2'000);
    const Exposition e = Render(&s);  // the parser rejects duplicate series
    EXPECT_EQ(e.Value("lsengine_requests_total", {{"request", "x?"}, {"status", "200"}}), 5);
    EXPECT_EQ(e.Value("lsengine_request_duration_seconds_bucket", {{"request", "x?"}, {"le", "0.001"}}), 2);
    EXPECT_EQ(e.Value("lsengine_request_duration_seconds_count", {{"request", "x?"}}), 5);
}

TEST(Exposition, PlainNamesAreRequestsOutsideAnyScenario) {
    Snapshot s;
    auto& r = s.ForName("legacy");
    AddResponses(&s, &r, 1, 204, 10, 10);
    const Exposition e = Render(&s);
    EXPECT_EQ(e.Value("lsengine_requests_total", {{"scenario", ""}, {"task", ""}, {"request", "legacy"}}), 1);
}

TEST(Exposition, GaugesAgentsAndVerdicts) {
    ExpositionInput in;
    in.elapsed_seconds = 12.5;
    in.duration_seconds = 60;
    in.target_rps = 250.5;
    in.active_vusers = 40;
    in.distributed = true;
    in.agent_states = {"active", "active", "timed out", "lost somehow"};
    in.thresholds_failed = 2;
    in.finished = true;
    const Exposition e = Parse(RenderExposition(in));
    EXPECT_EQ(e.Value("lsengine_run_elapsed_seconds"), 12.5);
    EXPECT_EQ(e.Value("lsengine_run_duration_seconds"), 60);
    EXPECT_EQ(e.Value("lsengine_target_rps"), 250.5);
    EXPECT_EQ(e.Value("lsengine_active_vusers"), 40);
    EXPECT_EQ(e.Value("lsengine_run_finished"), 1);
    EXPECT_EQ(e.Value("lsengine_thresholds_failed"), 2);
    EXPECT_EQ(e.Value("lsengine_agents", {{"state", "active"}}), 2);
    EXPECT_EQ(e.Value("lsengine_agents", {{"state", "timed out"}}), 1);
    EXPECT_EQ(e.Value("lsengine_agents", {{"state", "recovered"}}), 0) << "known states are always present";
    EXPECT_EQ(e.Value("lsengine_agents", {{"state", "lost somehow"}}), 1);
}

// The exporter renders the cumulative snapshot each interval: no counter series may go down or vanish.
TEST(Exposition, CountersNeverDecreaseAcrossIntervals) {
    Snapshot cumulative;
    std::map<std::string, double> previous;  // series id -> value
    const auto id = [](const testing::Sample& s) {
        std::string out = s.name;
        for (const auto& [k, v] : s.labels) out += "|" + k + "=" + v;
        return out;
    };
    for (int interval = 1; interval <= 4; ++interval) {
        Snapshot delta = FullSnapshot(interval);  // a different mix each interval
        if (interval == 3) delta = Snapshot{};    // an idle second
        cumulative += delta;
        const Exposition e = Render(&cumulative);
        std::map<std::string, double> now;
        for (const auto& s : e.samples) {
            const std::string type = e.types.count(s.name) ? e.types.at(s.name) : "histogram";
            if (type == "gauge") continue;
            now[id(s)] = s.value;
        }
        for (const auto& [series, value] : previous) {
            ASSERT_TRUE(now.count(series) != 0) << "interval " << interval << " lost " << series;
            EXPECT_GE(now.at(series), value) << "interval " << interval << ": " << series;
        }
        previous = std::move(now);
    }
    EXPECT_EQ(previous.at("lsengine_requests_total|request=GET /|scenario=browse|status=200|task=home"),
              5 * (1 + 2 + 4));
}

TEST(Exposition, PromtoolFindsNoLintProblems) {
    if (std::system("command -v promtool >/dev/null 2>&1") != 0) GTEST_SKIP() << "promtool is not installed";
    ExpositionInput in;
    const Snapshot s = FullSnapshot(3);
    in.cumulative = &s;
    in.script = "shop.lua";
    in.target = "http://127.0.0.1:8080";
    in.distributed = true;
    in.agent_states = {"active"};
    in.thresholds_failed = 0;
    const std::string dir = lse::testing::MakeTempDir("prom-lint-");
    const std::string metrics_path = dir + "/metrics.txt";
    const std::string out_path = dir + "/promtool.out";
    std::ofstream(metrics_path) << RenderExposition(in);
    const int rc = std::system(("promtool check metrics < '" + metrics_path + "' > '" + out_path + "' 2>&1").c_str());
    const std::string output = lse::testing::ReadWhole(out_path);
    EXPECT_EQ(rc, 0) << output;
    EXPECT_EQ(output, "") << "lint problems";
    std::remove(metrics_path.c_str());
    std::remove(out_path.c_str());
    std::remove(dir.c_str());
}

// Regions (issue 16): one series per agent region from its own totals; no region families without regions.
TEST(Exposition, RegionFamiliesOnlyForRunsWithRegions) {
    const Snapshot far = FullSnapshot(1);
    const Snapshot near = FullSnapshot(3);
    Snapshot total = far;
    total += near;
    const std::map<std::string, Snapshot> regions = {{"far", far}, {"near", near}};
    ExpositionInput in;
    in.cumulative = &total;
    in.regions = &regions;
    const Exposition e = Parse(RenderExposition(in));
    EXPECT_EQ(e.types.at("lsengine_region_requests_total"), "counter");
    EXPECT_EQ(e.types.at("lsengine_region_response_time_seconds"), "histogram");
    EXPECT_EQ(e.Value("lsengine_region_requests_total", {{"region", "far"}}), static_cast<double>(far.total.requests));
    EXPECT_EQ(e.Value("lsengine_region_requests_total", {{"region", "near"}}),
              static_cast<double>(near.total.requests));
    EXPECT_EQ(e.Value("lsengine_region_request_errors_total", {{"region", "near"}}),
              static_cast<double>(near.total.ErrorCount()));
    EXPECT_EQ(e.Value("lsengine_region_response_time_seconds_count", {{"region", "far"}}),
              static_cast<double>(far.total.response_time_us.Count()));
    EXPECT_EQ(e.Value("lsengine_region_response_time_seconds_bucket", {{"region", "far"}, {"le", "+Inf"}}),
              static_cast<double>(far.total.response_time_us.Count()));
    // The run's own families are unchanged by regions.
    EXPECT_EQ(e.Value("lsengine_requests_total", With(kHome, "status", "200")), 20);

    const std::map<std::string, Snapshot> none;
    in.regions = &none;
    EXPECT_EQ(Parse(RenderExposition(in)).types.count("lsengine_region_requests_total"), 0u);
    in.regions = nullptr;
    EXPECT_EQ(Parse(RenderExposition(in)).types.count("lsengine_region_requests_total"), 0u);
}

}  // namespace
}  // namespace lse::prometheus
