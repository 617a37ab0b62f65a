// lsengine.metrics.trend / counter / rate / gauge in Lua: samples land in the recorder's snapshot, one object per
// name, and bad names, values, calls and kind conflicts raise errors naming the script's line.

#include <gtest/gtest.h>

#include <lua.hpp>
#include <string>

#include "load_context.hpp"
#include "lse/core/errors.hpp"
#include "lse/lua/script_state.hpp"
#include "lse/metrics/custom_metric.hpp"
#include "lse/runtime/metrics_recorder.hpp"
#include "lua_test_util.hpp"

namespace lse::lua {
namespace {

using metrics::CustomMetricKind;

constexpr char kScenario[] = "\nlocal flow = scenario { vusers = 1, duration = '1s' }\nflow:task('t', function(self, http) end)\n";

std::string Lua(const std::string& top_level) { return top_level + kScenario; }

// Loads `top_level` with its metrics recording into *recorder; returns the load error ("" when it loaded).
std::string Load(const std::string& top_level, runtime::MetricsRecorder* recorder) {
    testing::TempScripts dir;
    const std::string path = dir.Write("m.lua", Lua(top_level));
    ScriptLoadOptions options;
    options.install_runtime = [recorder](lua_State* L) { detail::GetContext(L)->recorder = recorder; };
    try {
        ScriptState state(path, std::move(options));
    } catch (const ScriptError& e) {
        return e.what();
    } catch (const UsageError& e) {
        return std::string("usage: ") + e.what();
    }
    return "";
}

metrics::Snapshot Published(runtime::MetricsRecorder& recorder) {
    recorder.Publish(1, 2);
    metrics::Snapshot s;
    EXPECT_TRUE(recorder.TakePublished(&s));
    return s;
}

TEST(MetricsBinding, EachKindRecordsIntoTheRecordersSnapshot) {
    runtime::MetricsRecorder recorder;
    ASSERT_EQ(Load(R"(
local orders = lsengine.metrics.counter("orders")
orders:add(1) orders:add(2.5)
local cart = lsengine.metrics.trend("cart_value")
for _, v in ipairs({ 10, 20, 30, 40 }) do cart:add(v) end
local ok = lsengine.metrics.rate("in_stock")
ok:add(true) ok:add(false) ok:add(1) ok:add(0)
local queue = lsengine.metrics.gauge("queue_depth")
queue:set(5) queue:add(3) queue:set(7)
lsengine.metrics.trend("never_sampled")
)",
                   &recorder),
              "");
    const metrics::Snapshot s = Published(recorder);
    ASSERT_EQ(s.custom.size(), 5u);
    const metrics::CustomMetric& orders = s.custom.at("orders");
    EXPECT_EQ(orders.kind, CustomMetricKind::kCounter);
    EXPECT_EQ(orders.count, 2u);
    EXPECT_DOUBLE_EQ(orders.sum, 3.5);
    const metrics::CustomMetric& cart = s.custom.at("cart_value");
    EXPECT_EQ(cart.kind, CustomMetricKind::kTrend);
    EXPECT_EQ(cart.count, 4u);
    EXPECT_DOUBLE_EQ(cart.sum, 100);
    EXPECT_DOUBLE_EQ(cart.min, 10);
    EXPECT_DOUBLE_EQ(cart.max, 40);
    const metrics::CustomMetric& in_stock = s.custom.at("in_stock");
    EXPECT_EQ(in_stock.count, 4u);
    EXPECT_EQ(in_stock.trues, 2u);
    const metrics::CustomMetric& queue = s.custom.at("queue_depth");
    EXPECT_EQ(queue.count, 3u);
    EXPECT_DOUBLE_EQ(queue.last, 7);
    EXPECT_DOUBLE_EQ(queue.min, 3);
    EXPECT_DOUBLE_EQ(queue.max, 7);
    // Declared without a sample: in the snapshot with count 0 (outputs show it, thresholds say "no data").
    EXPECT_EQ(s.custom.at("never_sampled").count, 0u);
    EXPECT_EQ(s.custom.at("never_sampled").kind, CustomMetricKind::kTrend);
    // The next interval starts empty but keeps every declared metric.
    const metrics::Snapshot next = Published(recorder);
    ASSERT_EQ(next.custom.size(), 5u);
    EXPECT_EQ(next.custom.at("orders").count, 0u);
}

TEST(MetricsBinding, TheSameNameIsTheSameMetric) {
    runtime::MetricsRecorder recorder;
    ASSERT_EQ(Load(R"(
local a = lsengine.metrics.counter("hits")
local b = lsengine.metrics.counter("hits")
assert(rawequal(a, b), "one object per name")
a:add(1) b:add(1)
assert(tostring(a) == "counter metric 'hits'", tostring(a))
)",
                   &recorder),
              "");
    EXPECT_DOUBLE_EQ(Published(recorder).custom.at("hits").sum, 2);
}

TEST(MetricsBinding, AStateWithoutRecorderStillAcceptsDeclarationsAndSamples) {
    testing::TempScripts dir;
    const std::string path = dir.Write("v.lua", Lua("local c = lsengine.metrics.counter('x')\nc:add(1)\n"));
    EXPECT_NO_THROW(ScriptState(path, {}));  // the CLI's validation load: no worker, nothing published
}

// The error of a script whose top level is `code`, after the scenario declaration (so line numbers are known).
std::string ErrorOf(const std::string& code) {
    runtime::MetricsRecorder recorder;
    return Load(code, &recorder);
}

TEST(MetricsBinding, BadNamesAndValuesNameTheLine) {
    EXPECT_NE(ErrorOf("\nlsengine.metrics.trend(42)").find(
                  "m.lua:2: lsengine.metrics.trend(name): the name must be a string, got number"),
              std::string::npos);
    EXPECT_NE(ErrorOf("lsengine.metrics.counter('cart-value')")
                  .find("m.lua:1: lsengine.metrics.counter(name): invalid metric name 'cart-value': use letters, "
                        "digits and _"),
              std::string::npos);
    EXPECT_NE(ErrorOf("lsengine.metrics.counter('9lives')").find("invalid metric name '9lives'"), std::string::npos);
    EXPECT_NE(ErrorOf("lsengine.metrics.gauge('" + std::string(129, 'a') + "')").find("at most 128 bytes"),
              std::string::npos);
    EXPECT_NE(ErrorOf("local t = lsengine.metrics.trend('t')\n\nt:add(-1)")
                  .find("m.lua:3: trend 't': add(value) got -1, which is negative: trends hold values >= 0"),
              std::string::npos);
    EXPECT_NE(ErrorOf("local c = lsengine.metrics.counter('c')\nc:add('12')")
                  .find("m.lua:2: counter 'c': add(value) expects a number, got string (convert it with tonumber)"),
              std::string::npos);
    EXPECT_NE(ErrorOf("local c = lsengine.metrics.counter('c')\nc:add(0/0)").find("which is not a finite number"),
              std::string::npos);
    EXPECT_NE(ErrorOf("local r = lsengine.metrics.rate('r')\nr:add(nil)")
                  .find("m.lua:2: rate 'r': add(value) expects a boolean or a number, got nil"),
              std::string::npos);
    EXPECT_NE(ErrorOf("local c = lsengine.metrics.counter('c')\nc:set(1)")
                  .find("m.lua:2: metric 'c' is a counter: set() is for gauges, use add(value)"),
              std::string::npos);
    EXPECT_NE(ErrorOf("local c = lsengine.metrics.counter('c')\nc.add(1)")
                  .find("m.lua:2: call add with a colon on a metric: metric:add(value)"),
              std::string::npos);
}

TEST(MetricsBinding, AnotherKindForTheSameNameSaysWhereItWasDeclared) {
    const std::string twice = ErrorOf("lsengine.metrics.counter('orders')\nlsengine.metrics.trend('orders')");
    EXPECT_NE(twice.find("m.lua:2: lsengine.metrics.trend(name): 'orders' is already a counter (declared at "),
              std::string::npos)
        << twice;
    EXPECT_NE(twice.find("m.lua:1); a metric has one kind"), std::string::npos) << twice;
    // Another script on the same worker (another scenario) declared it with another kind.
    runtime::MetricsRecorder recorder;
    ASSERT_EQ(Load("lsengine.metrics.gauge('depth')", &recorder), "");
    EXPECT_NE(Load("lsengine.metrics.rate('depth')", &recorder).find("'depth' is already a gauge in another scenario"),
              std::string::npos);
}

TEST(MetricsBinding, AtMostMaxCustomMetricsPerRun) {
    runtime::MetricsRecorder recorder;
    const std::string code = "for i = 1, " + std::to_string(metrics::kMaxCustomMetrics) +
                             " do lsengine.metrics.counter('m' .. i) end\nlsengine.metrics.counter('m1')\n"
                             "lsengine.metrics.counter('one_more')";
    const std::string error = Load(code, &recorder);
    EXPECT_NE(error.find("m.lua:3: lsengine.metrics.counter(name): 'one_more' would be one metric too many: a run has "
                         "at most 100 custom metrics"),
              std::string::npos)
        << error;
}

}  // namespace
}  // namespace lse::lua
