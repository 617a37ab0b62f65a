// Generator health measured for real (issue 16): a worker whose loop is blocked 30 ms per iteration is judged
// saturated in every second of the run, and a healthy run against the demo target is judged healthy, with the
// target's own count as the referee of the load. The saturation is the real thing: the loop really spins.

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <vector>

#include "lse/core/clock.hpp"
#include "lse/http/request.hpp"
#include "lse/http/url.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/runtime/load_run.hpp"
#include "lse/runtime/metrics_recorder.hpp"
#include "lse/runtime/request_runner.hpp"
#include "lse/testing/demo_target_process.hpp"

namespace lse::runtime {
namespace {

std::int64_t NowNs() { return static_cast<std::int64_t>(uv_hrtime()); }

const std::string kLocal(metrics::kLocalGenerator);

/// Each iteration spins on the worker's loop for `block_ns` (like a Lua task with a busy loop), then ends.
class SpinningRunner final : public IterationRunner {
public:
    SpinningRunner(const WorkerContext& ctx, std::int64_t block_ns) : ctx_(ctx), block_ns_(block_ns) {
        index_ = ctx.recorder->Register(metrics::MakeStatKey(metrics::StatKind::kTask, "s", "spin"));
        vus_.resize(static_cast<size_t>(ctx.vusers));
        for (size_t i = 0; i < vus_.size(); ++i) {
            uv_timer_init(ctx.loop, &vus_[i].timer);
            vus_[i].timer.data = this;
            vus_[i].id = static_cast<int>(i);
        }
    }
    int VuserCount() const noexcept override { return static_cast<int>(vus_.size()); }
    bool TryStart(int vu, std::int64_t intended_ns) noexcept override {
        Vu* v = nullptr;
        for (auto& candidate : vus_) {
            if (!candidate.busy && (vu < 0 || candidate.id == vu)) {
                v = &candidate;
                break;
            }
        }
        if (v == nullptr) return false;
        v->busy = true;
        v->intended_ns = intended_ns;
        v->started_ns = NowNs();
        ++busy_;
        uv_timer_start(&v->timer, &SpinningRunner::OnTimer, 0, 0);  // the spin runs on the loop, not in TryStart
        return true;
    }
    int Busy() const noexcept override { return busy_; }
    void Abort() noexcept override {}
    void Close(std::function<void()> done) override {
        closing_ = vus_.size();
        done_ = std::move(done);
        for (auto& v : vus_) {
            uv_close(reinterpret_cast<uv_handle_t*>(&v.timer), [](uv_handle_t* h) {
                auto* self = static_cast<SpinningRunner*>(h->data);
                if (--self->closing_ == 0) self->done_();
            });
        }
        if (vus_.empty()) done_();
    }

private:
    struct Vu {
        uv_timer_t timer;
        int id = 0;
        bool busy = false;
        std::int64_t intended_ns = 0;
        std::int64_t started_ns = 0;
    };

    static void OnTimer(uv_timer_t* t) {
        auto* self = static_cast<SpinningRunner*>(t->data);
        Vu* v = nullptr;
        for (auto& candidate : self->vus_) {
            if (&candidate.timer == t) v = &candidate;
        }
        const std::int64_t until = NowNs() + self->block_ns_;
        while (NowNs() < until) {
        }
        self->ctx_.recorder->RecordRun(self->index_, ErrorKind::kNone, v->intended_ns, v->started_ns, NowNs());
        v->busy = false;
        --self->busy_;
        self->ctx_.listener->OnIterationDone(v->id);
    }

    WorkerContext ctx_;
    std::int64_t block_ns_;
    int index_ = 0;
    int busy_ = 0;
    std::vector<Vu> vus_;
    size_t closing_ = 0;
    std::function<void()> done_;
};

LoadSpec Open(double rps, std::int64_t duration_ns, int vusers, int threads) {
    LoadSpec s;
    s.model = LoadModel::kOpen;
    s.profile = sched::RateProfile::Constant(rps, duration_ns);
    s.vusers = vusers;
    s.threads = threads;
    return s;
}

// 40 arrivals a second, each spinning 30 ms: the loop cannot keep up (1.2 s of spinning a second), so its timers
// fire up to 30 ms late (lag p99 far above 10 ms) and arrivals start late.
TEST(GeneratorHealthTest, ALoopBlocked30MsPerIterationIsSaturatedInEverySecond) {
    LoadSpec spec = Open(40, 3 * kNsPerSec, 4, 1);
    spec.generator_id = "agent-7";
    LoadRun run(spec, {}, [](const WorkerContext& ctx) { return std::make_unique<SpinningRunner>(ctx, 30 * kNsPerMs); },
                metrics::MakeStatKey(metrics::StatKind::kScenario, "s"));
    const RunResult r = run.Run(nullptr, RunOptions{0, false, nullptr});

    EXPECT_EQ(r.total.total.requests + r.total.total.dropped, 120u);
    ASSERT_EQ(r.total.generators.size(), 1u) << "one process, one generator, under the spec's id";
    const metrics::GeneratorHealth& h = r.total.generators.at("agent-7");
    EXPECT_EQ(h.threads, 1u);
    EXPECT_EQ(h.intervals, r.intervals.size());
    EXPECT_EQ(h.arrivals, 120u) << "every planned arrival was taken from the schedule once";
    EXPECT_GT(h.late_arrivals, 0u);
    EXPECT_GE(h.loop_lag_us.Max(), 20'000);
    EXPECT_GT(h.loop_lag_us.ValueAtPercentile(99), metrics::kSaturatedLagP99Us);
    EXPECT_GT(h.process_cpu, 0.1) << "the spinning used CPU";
    EXPECT_GT(h.rss_bytes, 0u);
    // The three whole seconds were saturated (the short tail after the end may or may not be): one joined period
    // from the start of load.
    EXPECT_GE(h.saturated_intervals, 3u);
    ASSERT_EQ(h.saturated.size(), 1u);
    EXPECT_EQ(h.saturated[0].from_ms, 0);
    EXPECT_GE(h.saturated[0].to_ms, 3000);
    for (size_t i = 0; i < 3 && i < r.intervals.size(); ++i) {
        const metrics::GeneratorHealth& s = r.intervals[i].generators.at("agent-7");
        EXPECT_EQ(s.saturated_intervals, 1u) << "second " << i;
        // [i s, (i + 1) s), or to the end of the run for the last one (the tail, when the run ended before the tick).
        ASSERT_EQ(s.saturated.size(), 1u);
        EXPECT_EQ(s.saturated[0].from_ms, static_cast<std::int64_t>(i) * 1000);
        EXPECT_GE(s.saturated[0].to_ms, static_cast<std::int64_t>(i + 1) * 1000);
    }
}

std::shared_ptr<RequestRunnerConfig> Request(int port, const std::string& path) {
    auto cfg = std::make_shared<RequestRunnerConfig>();
    const http::Url url = http::ParseUrl("http://127.0.0.1:" + std::to_string(port) + path);
    cfg->origin = url.origin;
    cfg->request = http::PreparedRequest::Build(http::Method::kGet, url.origin, url.path_and_query, {}, "");
    cfg->name = metrics::MakeStatKey(metrics::StatKind::kRequest, "s", "t", "req");
    return cfg;
}

class GeneratorHealthTargetTest : public ::testing::Test {
protected:
    void SetUp() override { target_.Start(); }
    std::uint64_t TargetCount(const std::string& route) {
        const auto stats = target_.Stats();
        return stats["by_route"].contains(route) ? stats["by_route"][route].get<std::uint64_t>() : 0;
    }
    RunResult Run(const LoadSpec& spec, const std::string& path) {
        LoadRun run(spec, {}, MakeRequestRunnerFactory(Request(target_.Port(), path)),
                    metrics::MakeStatKey(metrics::StatKind::kScenario, "s"));
        return run.Run(nullptr, RunOptions{0, false, nullptr});
    }
    testing::DemoTargetProcess target_;
};

TEST_F(GeneratorHealthTargetTest, AHealthyRunIsNotSaturatedAndCountsItsSockets) {
    const RunResult r = Run(Open(50, 3 * kNsPerSec, 8, 2), "/api/v1/projects");
    EXPECT_EQ(r.total.total.requests, 150u);
    EXPECT_EQ(TargetCount("GET /api/v1/projects"), 150u);
    const metrics::GeneratorHealth& h = r.total.generators.at(kLocal);
    EXPECT_EQ(h.threads, 2u);
    EXPECT_EQ(h.arrivals, 150u);
    // Saturated is the right verdict for a second in which other processes kept every core of the host busy (a
    // parallel ctest, a build): the loop was late. Only the seconds with cores to spare must be healthy.
    std::uint64_t saturated_with_spare_cores = 0;
    for (const auto& i : r.intervals) {
        const metrics::GeneratorHealth& g = i.generators.at(kLocal);
        if (g.saturated_intervals > 0 && g.host_cpu < 0.95) ++saturated_with_spare_cores;
    }
    EXPECT_EQ(saturated_with_spare_cores, 0u);
    if (saturated_with_spare_cores == 0 && h.saturated_intervals > 0) {
        std::printf("saturated only in seconds when the host's cores were all busy\n");
    }
    for (const auto& i : r.intervals) {  // what decided, when it fails
        if (h.saturated_intervals == 0) break;
        const metrics::GeneratorHealth& g = i.generators.at(kLocal);
        std::printf("interval: lag p99 %lld us max %lld, cpu %.2f host %.2f, arrivals %llu late %llu, sockets %u\n",
                    static_cast<long long>(g.loop_lag_us.ValueAtPercentile(99)), static_cast<long long>(g.loop_lag_us.Max()),
                    g.process_cpu, g.host_cpu, static_cast<unsigned long long>(g.arrivals),
                    static_cast<unsigned long long>(g.late_arrivals), g.open_sockets);
    }
    EXPECT_GT(h.loop_lag_us.Count(), 400u) << "both threads sampled their lag about 100 times a second";
    // Keep-alive connections toward the target: at least one per thread, at most one per virtual user.
    EXPECT_GE(h.open_sockets, 2u);
    EXPECT_LE(h.open_sockets, 8u);
    EXPECT_GE(h.ephemeral_ports, 1u) << "the connections' local ports come from the ephemeral range";
    EXPECT_GT(h.ephemeral_port_range, 0u);
    EXPECT_GT(h.rss_bytes, 1u << 20);
}

// One virtual user, a server that takes 150 ms, an arrival every 100 ms: arrivals wait for the virtual user, which
// is the target's slowness, not the generator's. None of them is a late arrival.
TEST_F(GeneratorHealthTargetTest, WaitingForAFreeVirtualUserIsNotALateArrival) {
    const RunResult r = Run(Open(10, 1 * kNsPerSec, 1, 1), "/slow?ms=150");
    const metrics::GeneratorHealth& h = r.total.generators.at(kLocal);
    EXPECT_EQ(h.arrivals, 10u);
    EXPECT_EQ(h.late_arrivals, 0u);
    EXPECT_GT(r.total.total.dropped, 0u) << "some arrivals did wait (and were dropped at the end)";
    EXPECT_EQ(TargetCount("GET /slow"), r.total.total.requests);
    EXPECT_EQ(h.saturated_intervals, 0u);
}

}  // namespace
}  // namespace lse::runtime
