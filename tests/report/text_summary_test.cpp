#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

#include "lse/core/clock.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/report/progress_line.hpp"
#include "lse/report/summary_json.hpp"
#include "lse/report/summary_model.hpp"
#include "lse/report/text_summary.hpp"
#include "lse/thresholds/evaluate.hpp"

namespace lse::report {
namespace {

using metrics::MakeStatKey;
using metrics::StatKind;
using ::testing::HasSubstr;
using ::testing::Not;

void AddResponses(metrics::Snapshot* s, std::string_view scenario, std::string_view task, std::string_view name,
                  int n, std::int64_t response_us, int status = 200, bool accepted = true, bool in_total = true) {
    metrics::RequestStats* named = &s->ForName(MakeStatKey(StatKind::kRequest, scenario, task, name));
    for (int i = 0; i < n; ++i) {
        if (in_total) {
            s->RecordCompletion(named, ErrorKind::kNone, status, accepted, response_us / 2, response_us, 1000, 100);
        } else {
            named->RecordCompletion(ErrorKind::kNone, status, accepted, response_us / 2, response_us, 1000, 100);
        }
    }
}

void AddTransportErrors(metrics::Snapshot* s, std::string_view scenario, std::string_view task,
                        std::string_view name, ErrorKind kind, int n) {
    metrics::RequestStats* named = &s->ForName(MakeStatKey(StatKind::kRequest, scenario, task, name));
    for (int i = 0; i < n; ++i) s->RecordCompletion(named, kind, 0, false, 0, 0, 0, 0);
}

// A scripted run: scenario "shop" with two tasks, checks, lifecycle requests and drops.
metrics::Snapshot ShopSnapshot() {
    metrics::Snapshot s;
    AddResponses(&s, "shop", "browse", "GET /api/products", 98, 10'000);
    AddResponses(&s, "shop", "browse", "GET /api/products", 1, 10'000, 500, false);
    AddTransportErrors(&s, "shop", "browse", "GET /api/products", ErrorKind::kTimeout, 1);
    AddResponses(&s, "shop", "checkout", "POST /api/cart", 10, 400'000, 201);
    AddResponses(&s, "shop", "on_start", "POST /auth/login", 50, 20'000, 200, true, false);
    AddResponses(&s, "shop", "on_start", "POST /auth/login", 2, 20'000, 401, false, false);
    metrics::RequestStats& browse = s.ForName(MakeStatKey(StatKind::kTask, "shop", "browse"));
    for (int i = 0; i < 97; ++i) browse.RecordCompletion(ErrorKind::kNone, 0, true, 12'000, 12'000, 0, 0);
    for (int i = 0; i < 2; ++i) browse.RecordCompletion(ErrorKind::kCheck, 0, false, 12'000, 12'000, 0, 0);
    browse.RecordCompletion(ErrorKind::kTimeout, 0, false, 0, 0, 0, 0);
    metrics::RequestStats& checkout = s.ForName(MakeStatKey(StatKind::kTask, "shop", "checkout"));
    for (int i = 0; i < 10; ++i) checkout.RecordCompletion(ErrorKind::kNone, 0, true, 401'000, 401'000, 0, 0);
    s.checks[MakeStatKey(StatKind::kCheck, "shop", "browse", "status is 200")] = {98, 2};
    s.RecordDropped(&s.ForName(MakeStatKey(StatKind::kScenario, "shop")), 3);
    return s;
}

std::vector<thresholds::Verdict> ShopVerdicts(const metrics::Snapshot& s) {
    std::vector<thresholds::Verdict> v;
    for (const char* expr : {"p95 < 500ms", "error_rate < 1%"}) {
        v.push_back(thresholds::Evaluate(thresholds::Parse(expr), s, "shop", 10));
    }
    return v;
}

SummaryInput ShopInput(const metrics::Snapshot& s) {
    SummaryInput in{s, 10 * kNsPerSec};
    ScenarioInfo info;
    info.name = "shop";
    info.model = "open";
    info.target_rps = 12;
    info.vusers = 50;
    in.scenarios.push_back(info);
    in.verdicts = ShopVerdicts(s);
    return in;
}

std::string Print(const SummaryInput& in) {
    std::ostringstream out;
    PrintSummary(out, in);
    return out.str();
}

std::vector<std::string> Lines(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// Display width: UTF-8 continuation bytes take no column.
std::size_t Columns(const std::string& line) {
    std::size_t n = 0;
    for (unsigned char c : line) n += (c & 0xC0) != 0x80 ? 1 : 0;
    return n;
}

const std::string* FindLine(const std::vector<std::string>& lines, std::string_view start) {
    for (const std::string& l : lines) {
        if (l.rfind(start, 0) == 0) return &l;
    }
    return nullptr;
}

TEST(TextSummary, ScenarioHeaderTasksRequestsChecksLifecycleAndThresholds) {
    const metrics::Snapshot s = ShopSnapshot();
    const std::string text = Print(ShopInput(s));
    const std::vector<std::string> lines = Lines(text);

    EXPECT_THAT(text, HasSubstr("Run complete after 10.00s"));
    EXPECT_THAT(text, HasSubstr("== shop ==  open model | achieved 11.0 of 12.0 it/s (91.7%), 11.0 rps | 50 VUs | "
                                "10.00s | dropped 3"));
    // Tasks: iterations, rate, ok, failed and the failure reasons.
    const std::string* browse = FindLine(lines, "  browse ");
    ASSERT_NE(browse, nullptr) << text;
    EXPECT_THAT(*browse, ::testing::MatchesRegex(" +browse +100 +10.0 +97 +3 +12.0ms +12.0ms +12.0ms"));
    EXPECT_THAT(text, HasSubstr("    failed: timeout=1, check=2\n"));
    // Requests, merged across tasks, with statuses and error kinds.
    const std::string* products = FindLine(lines, "  GET /api/products ");
    ASSERT_NE(products, nullptr);
    EXPECT_THAT(*products, ::testing::MatchesRegex(" +GET /api/products +100 +10.0 +98 +2 +2.00%"));
    EXPECT_THAT(text, HasSubstr("    status 200=98, 500=1 | errors timeout=1, status=1\n"));
    EXPECT_THAT(text, HasSubstr("    status 201=10\n"));
    EXPECT_NE(FindLine(lines, "  all requests "), nullptr);
    // Latency for both clocks.
    EXPECT_THAT(text, HasSubstr("service"));
    EXPECT_THAT(text, HasSubstr("response"));
    EXPECT_THAT(text, HasSubstr("p99.9"));
    // Checks table.
    const std::string* check = FindLine(lines, "  browse: status is 200");
    ASSERT_NE(check, nullptr);
    EXPECT_THAT(*check, ::testing::MatchesRegex(" +browse: status is 200 +98 +2 +98.00%"));
    // Lifecycle requests are shown apart and are not in the load numbers.
    const std::string* on_start = FindLine(lines, "  on_start ");
    ASSERT_NE(on_start, nullptr);
    EXPECT_THAT(*on_start, ::testing::MatchesRegex(" +on_start +52 +50 +2 +20.0ms"));
    EXPECT_THAT(text, HasSubstr("    errors status=2\n"));
    EXPECT_THAT(text, HasSubstr("total: 110 requests, 11.0 rps, 108 ok, 2 errors (1.82%), 3 dropped"));
    // Thresholds with verdicts.
    EXPECT_THAT(text, HasSubstr("thresholds: 1 of 2 passed\n"));
    EXPECT_THAT(text, HasSubstr("\u2713 PASS  p95 < 500ms"));
    EXPECT_THAT(text, HasSubstr("\u2717 FAIL  error_rate < 1%  error_rate = 1.82% (2/110)"));
}

// The target counts arrivals; an arrival runs one task iteration, which may send several requests (or none).
// 100 iterations of 2 requests in 10 s against a target of 10/s is 100 %, not 200 %.
metrics::Snapshot TwoRequestsPerIteration() {
    metrics::Snapshot s;
    AddResponses(&s, "flow", "buy", "GET /api/products", 100, 1'000);
    AddResponses(&s, "flow", "buy", "POST /api/cart", 100, 1'000, 201);
    AddResponses(&s, "flow", "on_start", "POST /auth/login", 7, 1'000, 200, true, false);
    metrics::RequestStats& buy = s.ForName(MakeStatKey(StatKind::kTask, "flow", "buy"));
    for (int i = 0; i < 100; ++i) buy.RecordCompletion(ErrorKind::kNone, 0, true, 2'000, 2'000, 0, 0);
    return s;
}

SummaryInput FlowInput(const metrics::Snapshot& s, double target_rps) {
    SummaryInput in{s, 10 * kNsPerSec};
    ScenarioInfo info;
    info.name = "flow";
    info.model = target_rps > 0 ? "open" : "closed";
    info.target_rps = target_rps;
    in.scenarios.push_back(info);
    return in;
}

TEST(SummaryModel, AchievedRateCountsTaskIterationsNotRequests) {
    const metrics::Snapshot s = TwoRequestsPerIteration();
    const SummaryModel model = BuildSummaryModel(FlowInput(s, 10));
    ASSERT_EQ(model.scenarios.size(), 1u);
    const ScenarioSummary& flow = model.scenarios[0];
    EXPECT_EQ(flow.iterations, 100u);
    EXPECT_EQ(flow.load.requests, 200u);  // lifecycle requests are not load
    EXPECT_DOUBLE_EQ(AchievedRate(flow), 10.0);
    EXPECT_DOUBLE_EQ(RequestRate(flow), 20.0);
}

// bytes_decoded (issue 15): the total line says what decoded bodies came to, only when something was decoded;
// the JSON row gets the field under the same rule.
TEST(TextSummary, DecodedBytesOnlyWhenSomethingWasDecoded) {
    metrics::Snapshot s = ShopSnapshot();
    std::string text = Print(ShopInput(s));
    EXPECT_THAT(text, Not(HasSubstr("decoded")));
    EXPECT_THAT(text, HasSubstr(" MiB received, "));
    EXPECT_FALSE(SummaryJson(ShopInput(s))["totals"].contains("bytes_decoded"));

    s.ForName(MakeStatKey(StatKind::kRequest, "shop", "browse", "GET /api/products")).RecordDecoded(3 * 1048576);
    s.total.RecordDecoded(3 * 1048576);
    text = Print(ShopInput(s));
    EXPECT_THAT(text, HasSubstr(" MiB received (decoded 3.00 MiB), "));
    const nlohmann::json j = SummaryJson(ShopInput(s));
    EXPECT_EQ(j["totals"]["bytes_decoded"], 3 * 1048576);
    EXPECT_EQ(j["scenarios"][0]["requests"][0]["name"], "GET /api/products");
    EXPECT_EQ(j["scenarios"][0]["requests"][0]["bytes_decoded"], 3 * 1048576);
    EXPECT_FALSE(j["scenarios"][0]["requests"][1].contains("bytes_decoded"));
}

TEST(TextSummary, HeaderComparesIterationsWithTheTarget) {
    const metrics::Snapshot s = TwoRequestsPerIteration();
    const std::string open = Print(FlowInput(s, 10));
    EXPECT_THAT(open, HasSubstr("== flow ==  open model | achieved 10.0 of 10.0 it/s (100.0%), 20.0 rps | "
                                "10.00s | dropped 0"));
    EXPECT_THAT(open, Not(HasSubstr("(200.0%)")));
    const std::string closed = Print(FlowInput(s, 0));
    EXPECT_THAT(closed, HasSubstr("== flow ==  closed model | 10.0 it/s, 20.0 rps | 10.00s"));
}

TEST(SummaryJson, AchievedRateIsIterationsPerSecond) {
    const metrics::Snapshot s = TwoRequestsPerIteration();
    const nlohmann::json j = SummaryJson(FlowInput(s, 10));
    const nlohmann::json& sc = j["scenarios"][0];
    EXPECT_DOUBLE_EQ(sc["target_rps"].get<double>(), 10.0);
    EXPECT_DOUBLE_EQ(sc["achieved_rps"].get<double>(), 10.0);
    EXPECT_EQ(sc["iterations"], 100);
    EXPECT_DOUBLE_EQ(sc["totals"]["rps"].get<double>(), 20.0);
}

TEST(TextSummary, NoSeparatorBytesAndFitsOneHundredColumns) {
    metrics::Snapshot s = ShopSnapshot();
    // A very long request name must be cut, not widen the table.
    AddResponses(&s, "shop", "browse", "GET /api/products/with/a/really/long/path/that/goes/on/and/on", 5, 1'000);
    const std::string text = Print(ShopInput(s));
    EXPECT_EQ(text.find('\x1f'), std::string::npos);
    for (const std::string& line : Lines(text)) EXPECT_LE(Columns(line), 100u) << line;
    EXPECT_THAT(text, HasSubstr("GET /api/products/with/a/r... "));
}

TEST(TextSummary, ColumnsLineUpWithTheirHeaders) {
    const metrics::Snapshot s = ShopSnapshot();
    const std::vector<std::string> lines = Lines(Print(ShopInput(s)));
    const std::string* header = FindLine(lines, "  request ");
    const std::string* row = FindLine(lines, "  POST /api/cart ");
    ASSERT_NE(header, nullptr);
    ASSERT_NE(row, nullptr);
    EXPECT_EQ(header->size(), row->size());  // numbers are right-aligned under their headers
    EXPECT_EQ(header->find("err%") + 4, header->size());
}

TEST(TextSummary, UrlModeHasNoEmptySections) {
    metrics::Snapshot s;
    AddResponses(&s, "url", "request", "GET /hello", 200, 2'000);
    s.RecordDropped(&s.ForName(MakeStatKey(StatKind::kScenario, "url")), 1);
    // The call url_command.cpp makes.
    const std::string text = Print(SummaryInput{s, 2 * kNsPerSec, 100.0, false});
    EXPECT_THAT(text, HasSubstr("== url ==  target 100.0 rps, achieved 100.0 rps (100.0%) | 2.00s | dropped 1"));
    EXPECT_THAT(text, HasSubstr("GET /hello"));
    EXPECT_THAT(text, Not(HasSubstr("iterations")));
    EXPECT_THAT(text, Not(HasSubstr("check")));
    EXPECT_THAT(text, Not(HasSubstr("lifecycle")));
    EXPECT_THAT(text, Not(HasSubstr("thresholds")));
    EXPECT_THAT(text, Not(HasSubstr("all requests")));
    EXPECT_THAT(text, HasSubstr("total: 200 requests, 100.0 rps, 200 ok, 0 errors (0.00%), 1 dropped"));
    EXPECT_EQ(text.find('\x1f'), std::string::npos);
}

TEST(TextSummary, InterruptedAndMultipleScenariosNameTheirThresholds) {
    metrics::Snapshot s = ShopSnapshot();
    AddResponses(&s, "admin", "report", "GET /admin", 5, 1'000);
    SummaryInput in = ShopInput(s);
    in.interrupted = true;
    in.verdicts.push_back(thresholds::Evaluate(thresholds::Parse("requests > 1"), s, "admin", 10));
    const std::string text = Print(in);
    EXPECT_THAT(text, HasSubstr("Run interrupted after"));
    // Listed scenario first, then the one only found in the snapshot.
    EXPECT_LT(text.find("== shop =="), text.find("== admin =="));
    EXPECT_THAT(text, HasSubstr("PASS  admin: requests > 1"));
    EXPECT_THAT(text, HasSubstr("shop: p95 < 500ms"));
}

TEST(TextSummary, RequestsPerTaskOnRequest) {
    metrics::Snapshot s = ShopSnapshot();
    AddResponses(&s, "shop", "checkout", "GET /api/products", 4, 1'000);
    SummaryInput in = ShopInput(s);
    EXPECT_THAT(Print(in), Not(HasSubstr("by task")));
    in.requests_per_task = true;
    const std::string text = Print(in);
    EXPECT_THAT(text, HasSubstr("  by task:\n"));
    EXPECT_THAT(text, HasSubstr("  checkout: GET /api/products"));
    EXPECT_THAT(text, HasSubstr("  browse: GET /api/products"));
}

// group() (issue 15): a grouped request is a row of its own, labelled with its group; each group gets a row that
// merges its nested groups, in the model, the text and the JSON alike.
TEST(SummaryModel, GroupedRequestsAndGroupRows) {
    metrics::Snapshot s = ShopSnapshot();
    const auto grouped = [&s](std::string_view name, std::string_view group, int n, std::int64_t us) {
        metrics::RequestStats* row = &s.ForName(MakeStatKey(StatKind::kRequest, "shop", "checkout", name, group));
        for (int i = 0; i < n; ++i) s.RecordCompletion(row, ErrorKind::kNone, 200, true, us / 2, us, 10, 10);
    };
    grouped("POST /api/cart", "checkout", 6, 100'000);
    grouped("POST /api/pay", "checkout::payment", 4, 300'000);
    SummaryInput in = ShopInput(s);
    in.requests_per_task = true;
    const SummaryModel model = BuildSummaryModel(in);
    const ScenarioSummary& shop = model.scenarios.at(0);
    // Ungrouped rows first (as before), then grouped ones by group.
    ASSERT_EQ(shop.requests.size(), 4u);
    EXPECT_EQ(shop.requests[0].group, "");
    EXPECT_EQ(shop.requests[2].name, "POST /api/cart");
    EXPECT_EQ(shop.requests[2].group, "checkout");
    EXPECT_EQ(shop.requests[2].stats.requests, 6u);
    EXPECT_EQ(shop.requests[3].group, "checkout::payment");
    EXPECT_EQ(DisplayName(shop.requests[3]), "checkout::payment > POST /api/pay");
    ASSERT_EQ(shop.groups.size(), 2u);
    EXPECT_EQ(shop.groups[0].name, "checkout");
    EXPECT_EQ(shop.groups[0].stats.requests, 10u);  // its own 6 and payment's 4
    EXPECT_EQ(shop.groups[1].name, "checkout::payment");
    EXPECT_EQ(shop.groups[1].stats.requests, 4u);
    EXPECT_EQ(shop.load.requests, 120u);  // grouped requests are load requests like any other

    const std::string text = Print(in);
    EXPECT_THAT(text, HasSubstr("  checkout > POST /api/cart"));
    EXPECT_THAT(text, HasSubstr("  checkout: checkout > POST"));
    EXPECT_THAT(text, HasSubstr("  checkout::payment > POST"));
    EXPECT_THAT(text, HasSubstr("  by group:\n  group checkout "));

    const nlohmann::json j = SummaryJson(in);
    const nlohmann::json& rows = j["scenarios"][0]["requests"];
    EXPECT_FALSE(rows[0].contains("group"));
    EXPECT_EQ(rows[3]["group"], "checkout::payment");
    EXPECT_EQ(rows[3]["name"], "POST /api/pay");
    EXPECT_EQ(j["scenarios"][0]["groups"][0]["name"], "checkout");
    EXPECT_EQ(j["scenarios"][0]["groups"][0]["requests"], 10);
    EXPECT_EQ(j["scenarios"][0]["requests_by_task"].back()["group"], "checkout::payment");
    // Without groups the JSON has no "groups" key.
    EXPECT_FALSE(SummaryJson(ShopInput(ShopSnapshot()))["scenarios"][0].contains("groups"));
}

// check() inside group() (issue 15): a grouped check is a row of its own after the task's ungrouped checks,
// labelled with its group in the text, with a "group" field in the JSON (absent on ungrouped checks).
TEST(SummaryModel, ChecksMadeInAGroupAreRowsOfTheirGroup) {
    metrics::Snapshot s = ShopSnapshot();
    s.checks[MakeStatKey(StatKind::kCheck, "shop", "browse", "status is 200", "checkout::payment")] = {5, 1};
    s.checks[MakeStatKey(StatKind::kCheck, "shop", "browse", "a first", "checkout")] = {3, 0};
    const SummaryInput in = ShopInput(s);
    const SummaryModel model = BuildSummaryModel(in);
    const ScenarioSummary& shop = model.scenarios.at(0);
    ASSERT_EQ(shop.checks.size(), 3u);
    EXPECT_EQ(shop.checks[0].group, "");  // the ungrouped check first, counts unchanged
    EXPECT_EQ(shop.checks[0].counts.passes, 98u);
    EXPECT_EQ(shop.checks[1].group, "checkout");
    EXPECT_EQ(shop.checks[1].name, "a first");
    EXPECT_EQ(shop.checks[2].group, "checkout::payment");
    EXPECT_EQ(shop.checks[2].counts.fails, 1u);
    EXPECT_EQ(DisplayName(shop.checks[2]), "browse: checkout::payment > status is 200");

    const std::string text = Print(in);
    EXPECT_THAT(text, HasSubstr("  browse: status is 200 "));
    EXPECT_THAT(text, HasSubstr("  browse: checkout::payment > status is 200"));

    const nlohmann::json j = SummaryJson(in);
    const nlohmann::json& checks = j["scenarios"][0]["checks"];
    ASSERT_EQ(checks.size(), 3u);
    EXPECT_FALSE(checks[0].contains("group"));
    EXPECT_EQ(checks[2]["group"], "checkout::payment");
    EXPECT_EQ(checks[2]["name"], "status is 200");
    EXPECT_EQ(checks[2]["passes"], 5);
}

// tags (issue 15): each tag set of a request is a row of its own, after the untagged rows, shown with its tags in
// the text ("GET /x {env=staging}") and as "tags": {k: v} in the JSON (only on tagged rows).
TEST(SummaryModel, TaggedRequestsAreRowsOfTheirOwn) {
    metrics::Snapshot s = ShopSnapshot();
    const auto tagged = [&s](std::string_view group, std::string_view tags, int n) {
        metrics::RequestStats* row =
            &s.ForName(MakeStatKey(StatKind::kRequest, "shop", "checkout", "POST /api/cart", group, tags));
        for (int i = 0; i < n; ++i) s.RecordCompletion(row, ErrorKind::kNone, 200, true, 50'000, 100'000, 10, 10);
    };
    tagged("", "env\x1estaging", 6);
    tagged("", "env\x1eprod\x1dtier\x1egold", 4);
    tagged("pay", "env\x1estaging", 2);
    SummaryInput in = ShopInput(s);
    in.requests_per_task = true;
    const SummaryModel model = BuildSummaryModel(in);
    const ScenarioSummary& shop = model.scenarios.at(0);
    ASSERT_EQ(shop.requests.size(), 5u);
    EXPECT_TRUE(shop.requests[0].tags.empty());
    EXPECT_TRUE(shop.requests[1].tags.empty());
    EXPECT_EQ(shop.requests[2].tags, "env\x1eprod\x1dtier\x1egold");
    EXPECT_EQ(shop.requests[2].stats.requests, 4u);
    EXPECT_EQ(DisplayName(shop.requests[2]), "POST /api/cart {env=prod,tier=gold}");
    EXPECT_EQ(DisplayName(shop.requests[3]), "POST /api/cart {env=staging}");
    EXPECT_EQ(DisplayName(shop.requests[4]), "pay > POST /api/cart {env=staging}");
    EXPECT_EQ(shop.load.requests, 122u);  // tagged requests are load requests like any other
    ASSERT_EQ(shop.groups.size(), 1u);
    EXPECT_EQ(shop.groups[0].stats.requests, 2u);

    const std::string text = Print(in);
    EXPECT_THAT(text, HasSubstr("  POST /api/cart {env=staging} "));
    EXPECT_THAT(text, HasSubstr("  POST /api/cart {env=prod,t..."));  // cut to the column, as any long name
    EXPECT_THAT(text, HasSubstr("  checkout: POST /api/cart {..."));

    const nlohmann::json j = SummaryJson(in);
    const nlohmann::json& rows = j["scenarios"][0]["requests"];
    EXPECT_FALSE(rows[0].contains("tags"));
    EXPECT_EQ(rows[2]["tags"], nlohmann::json({{"env", "prod"}, {"tier", "gold"}}));
    EXPECT_EQ(rows[2]["name"], "POST /api/cart");
    EXPECT_EQ(rows[4]["group"], "pay");
    EXPECT_EQ(rows[4]["tags"], nlohmann::json({{"env", "staging"}}));
    EXPECT_EQ(j["scenarios"][0]["requests_by_task"].back()["tags"], nlohmann::json({{"env", "staging"}}));
    // Without tags no row has the key: the output of an untagged run is unchanged.
    const nlohmann::json untagged = SummaryJson(ShopInput(ShopSnapshot()));  // a named json: the loop reads into it
    for (const auto& r : untagged["scenarios"][0]["requests"]) {
        EXPECT_FALSE(r.contains("tags"));
    }
}

TEST(SummaryModel, PlainNamesAndControlBytesAreShownSafely) {
    metrics::Snapshot s;
    s.RecordCompletion(&s.ForName("legacy\x1fname"), ErrorKind::kNone, 200, true, 1, 1, 0, 0);
    SummaryInput in{s, kNsPerSec};
    const SummaryModel model = BuildSummaryModel(in);
    ASSERT_EQ(model.unscoped_requests.size(), 1u);
    EXPECT_EQ(model.unscoped_requests[0].name, "legacy?name");
    const std::string text = Print(in);
    EXPECT_THAT(text, HasSubstr("legacy?name"));
    EXPECT_EQ(text.find('\x1f'), std::string::npos);
    EXPECT_EQ(Printable("a\x1f\n\tb"), "a???b");
}

TEST(SummaryJson, Shape) {
    const metrics::Snapshot s = ShopSnapshot();
    const nlohmann::json j = SummaryJson(ShopInput(s));
    EXPECT_EQ(j["version"], kSummaryJsonVersion);
    EXPECT_EQ(j["interrupted"], false);
    EXPECT_DOUBLE_EQ(j["duration_s"].get<double>(), 10.0);
    ASSERT_EQ(j["scenarios"].size(), 1u);
    const nlohmann::json& sc = j["scenarios"][0];
    EXPECT_EQ(sc["name"], "shop");
    EXPECT_EQ(sc["model"], "open");
    EXPECT_EQ(sc["vusers"], 50);
    EXPECT_EQ(sc["dropped"], 3);
    EXPECT_DOUBLE_EQ(sc["achieved_rps"].get<double>(), 11.0);
    EXPECT_EQ(sc["iterations"], 110);
    ASSERT_EQ(sc["tasks"].size(), 2u);
    EXPECT_EQ(sc["tasks"][0]["name"], "browse");
    EXPECT_EQ(sc["tasks"][0]["iterations"], 100);
    EXPECT_EQ(sc["tasks"][0]["failed"], 3);
    EXPECT_EQ(sc["tasks"][0]["failures"]["check"], 2);
    EXPECT_EQ(sc["tasks"][0]["duration_us"]["p50"].get<std::int64_t>() / 100, 120);
    ASSERT_EQ(sc["requests"].size(), 2u);
    const nlohmann::json& products = sc["requests"][0];
    EXPECT_EQ(products["name"], "GET /api/products");
    EXPECT_EQ(products["requests"], 100);
    EXPECT_EQ(products["errors_by_kind"]["timeout"], 1);
    EXPECT_EQ(products["statuses"]["500"], 1);
    EXPECT_EQ(products["response_time_us"]["count"], 99);
    EXPECT_TRUE(products["service_time_us"].contains("p99.9"));
    EXPECT_FALSE(sc.contains("requests_by_task"));
    ASSERT_EQ(sc["lifecycle"].size(), 1u);
    EXPECT_EQ(sc["lifecycle"][0]["task"], "on_start");
    EXPECT_EQ(sc["lifecycle"][0]["requests"], 52);
    ASSERT_EQ(sc["checks"].size(), 1u);
    EXPECT_DOUBLE_EQ(sc["checks"][0]["pass_rate"].get<double>(), 0.98);
    EXPECT_EQ(sc["totals"]["requests"], 110);
    EXPECT_EQ(j["totals"]["requests"], 110);
    ASSERT_EQ(j["thresholds"].size(), 2u);
    EXPECT_EQ(j["thresholds"][1]["expression"], "error_rate < 1%");
    EXPECT_EQ(j["thresholds"][1]["passed"], false);
    EXPECT_EQ(j["thresholds_passed"], false);
    EXPECT_EQ(j.dump().find("\\u001f"), std::string::npos);
}

TEST(SummaryJson, EmptyRunIsValid) {
    const metrics::Snapshot s;
    const nlohmann::json j = SummaryJson(SummaryInput{s, 0});
    EXPECT_EQ(j["version"], kSummaryJsonVersion);
    EXPECT_TRUE(j["scenarios"].empty());
    EXPECT_EQ(j["totals"]["response_time_us"], nlohmann::json({{"count", 0}}));
    EXPECT_EQ(j["thresholds_passed"], true);
}

TEST(ProgressLine, ShowsRateAndPercentilesOfTheInterval) {
    metrics::Snapshot interval;
    interval.start_ns = 0;
    interval.end_ns = kNsPerSec;
    for (int i = 0; i < 50; ++i) interval.total.RecordResponse(200, true, 1'000, 2'000, 0, 0);
    const std::string line = ProgressLine(interval, 3 * kNsPerSec, 10 * kNsPerSec, 50);
    EXPECT_THAT(line, HasSubstr("[   3s/10s]"));
    EXPECT_THAT(line, HasSubstr("50.0 rps (target 50.0)"));
    EXPECT_THAT(line, HasSubstr("p50 2.00ms"));
    EXPECT_THAT(line, HasSubstr("err 0.00%"));
}

TEST(ProgressLine, ComparesTheTargetWithTaskIterationsWhenTasksAreKnown) {
    // 20 iterations of a task that sends two requests each: the schedule asked for 20 arrivals, not 40.
    metrics::Snapshot interval;
    interval.start_ns = 0;
    interval.end_ns = kNsPerSec;
    metrics::RequestStats* task = &interval.ForName(metrics::MakeStatKey(metrics::StatKind::kTask, "s", "browse"));
    for (int i = 0; i < 20; ++i) {
        task->RecordResponse(0, true, 1'000, 1'000, 0, 0);
        interval.total.RecordResponse(200, true, 500, 500, 0, 0);
        interval.total.RecordResponse(200, true, 500, 500, 0, 0);
    }
    const std::string line = ProgressLine(interval, kNsPerSec, 10 * kNsPerSec, 20);
    EXPECT_THAT(line, HasSubstr("20.0 it/s (target 20.0)"));
    EXPECT_THAT(line, HasSubstr("40.0 rps"));
}

}  // namespace
}  // namespace lse::report
