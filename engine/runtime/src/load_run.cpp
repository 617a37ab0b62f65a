#include "lse/runtime/load_run.hpp"

#include <uv.h>

#include <algorithm>
#include <csignal>
#include <memory>

#include "lse/core/clock.hpp"
#include "lse/runtime/worker.hpp"
#include "lse/sched/shard.hpp"

namespace lse::runtime {
namespace {

// Workers need a moment to build their loops and clients; starting them all on one
// future instant keeps their arrival schedules aligned.
constexpr std::int64_t kStartDelayNs = 100 * kNsPerMs;
// Beyond run length + grace, a worker that has not finished is cancelled; beyond this
// again, the run gives up waiting. Distributed runs must never hang; neither must this.
constexpr std::int64_t kWatchdogSlackNs = 5 * kNsPerSec;
// Workers publish at each whole second of the run; collect a little later so the
// second that just ended is complete, not split across two reports.
constexpr std::int64_t kCollectLagNs = 100 * kNsPerMs;

struct MainLoop {
    uv_loop_t loop;
    uv_async_t finished;
    uv_timer_t tick;
    uv_signal_t sigint;
    uv_signal_t sigterm;
    std::vector<std::unique_ptr<Worker>>* workers = nullptr;
    int signals = 0;
    std::function<void()> on_tick;
    std::function<void()> on_finished;  // set before uv_run; async callbacks only fire inside it
};

void CollectInto(std::vector<std::unique_ptr<Worker>>& workers, metrics::Snapshot* interval) {
    for (auto& w : workers) {
        metrics::Snapshot s;
        if (w->Recorder().TakePublished(&s)) *interval += s;
    }
}

}  // namespace

LoadRun::LoadRun(LoadSpec spec, http::ClientOptions client, RunnerFactory factory, std::string dropped_name)
    : spec_(std::move(spec)), client_(std::move(client)), factory_(std::move(factory)),
      dropped_name_(std::move(dropped_name)) {}

RunResult LoadRun::Run(const std::function<void(const RunProgress&)>& on_progress) {
    const int threads = std::max(1, std::min(spec_.threads, std::max(1, spec_.vusers)));
    std::vector<double> weights(static_cast<size_t>(threads), 1.0);
    const std::vector<sched::ShardSegment> segments = sched::ShardSegment::SplitByWeights(weights);

    MainLoop m;
    uv_loop_init(&m.loop);
    uv_async_init(&m.loop, &m.finished, [](uv_async_t* a) {
        auto* mm = static_cast<MainLoop*>(a->data);
        if (mm->on_finished) mm->on_finished();
    });
    std::vector<std::unique_ptr<Worker>> workers;
    m.workers = &workers;
    m.finished.data = &m;

    for (int i = 0; i < threads; ++i) {
        WorkerConfig cfg;
        cfg.index = i;
        cfg.count = threads;
        cfg.spec = spec_;
        cfg.spec.threads = threads;
        cfg.segment = segments[static_cast<size_t>(i)];
        cfg.client = client_;
        cfg.dropped_name = dropped_name_;
        uv_async_t* finished = &m.finished;
        cfg.on_finished = [finished] { uv_async_send(finished); };
        workers.push_back(std::make_unique<Worker>(std::move(cfg), factory_));
    }

    RunResult result;
    result.started_ns = static_cast<std::int64_t>(uv_hrtime()) + kStartDelayNs;
    const std::int64_t run_ns = spec_.RunLengthNs();
    for (auto& w : workers) w->Start(result.started_ns);

    metrics::Snapshot cumulative;
    std::int64_t next_tick_ns = result.started_ns + kNsPerSec;
    bool aborted_by_watchdog = false;

    auto all_finished = [&] {
        return std::all_of(workers.begin(), workers.end(), [](auto& w) { return w->Finished(); });
    };
    auto stop_when_done = [&] {
        if (all_finished()) uv_stop(&m.loop);
    };

    m.on_tick = [&] {
        const std::int64_t now = static_cast<std::int64_t>(uv_hrtime());
        metrics::Snapshot interval;
        interval.start_ns = next_tick_ns - kNsPerSec;
        interval.end_ns = next_tick_ns;
        CollectInto(workers, &interval);
        cumulative += interval;
        result.intervals.push_back(interval);
        if (on_progress) {
            on_progress(RunProgress{interval, cumulative, std::min(next_tick_ns - result.started_ns, run_ns), run_ns});
        }
        if (!aborted_by_watchdog && now > result.started_ns + run_ns + spec_.grace_ns + kWatchdogSlackNs) {
            aborted_by_watchdog = true;
            for (auto& w : workers) w->RequestAbort();
        }
        next_tick_ns += kNsPerSec;
        const std::int64_t wait_ns =
            std::max<std::int64_t>(0, next_tick_ns + kCollectLagNs - static_cast<std::int64_t>(uv_hrtime()));
        uv_timer_start(&m.tick, [](uv_timer_t* t) { static_cast<MainLoop*>(t->data)->on_tick(); },
                       static_cast<std::uint64_t>(wait_ns / kNsPerMs), 0);
    };

    uv_timer_init(&m.loop, &m.tick);
    m.tick.data = &m;
    uv_timer_start(&m.tick, [](uv_timer_t* t) { static_cast<MainLoop*>(t->data)->on_tick(); },
                   static_cast<std::uint64_t>((next_tick_ns + kCollectLagNs - static_cast<std::int64_t>(uv_hrtime())) / kNsPerMs),
                   0);

    // First signal: stop starting work and drain. Second: cancel in-flight requests.
    auto on_signal = [](uv_signal_t* s, int) {
        auto* mm = static_cast<MainLoop*>(s->data);
        ++mm->signals;
        for (auto& w : *mm->workers) {
            if (mm->signals == 1) {
                w->RequestStop();
            } else {
                w->RequestAbort();
            }
        }
    };
    uv_signal_init(&m.loop, &m.sigint);
    uv_signal_init(&m.loop, &m.sigterm);
    m.sigint.data = &m;
    m.sigterm.data = &m;
    uv_signal_start(&m.sigint, on_signal, SIGINT);
    uv_signal_start(&m.sigterm, on_signal, SIGTERM);

    m.on_finished = stop_when_done;
    stop_when_done();  // a worker may have finished (failed setup) before the handle existed
    if (!all_finished()) uv_run(&m.loop, UV_RUN_DEFAULT);

    for (auto& w : workers) w->Join();
    result.ended_ns = static_cast<std::int64_t>(uv_hrtime());
    result.interrupted = m.signals > 0;

    // Whatever the workers published after the last tick belongs to the final (partial) second.
    metrics::Snapshot tail;
    tail.start_ns = next_tick_ns - kNsPerSec;
    tail.end_ns = result.ended_ns;
    CollectInto(workers, &tail);
    cumulative += tail;
    result.intervals.push_back(tail);
    result.total = cumulative;
    result.total.start_ns = result.started_ns;
    result.total.end_ns = result.ended_ns;

    uv_close(reinterpret_cast<uv_handle_t*>(&m.finished), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&m.tick), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&m.sigint), nullptr);
    uv_close(reinterpret_cast<uv_handle_t*>(&m.sigterm), nullptr);
    uv_run(&m.loop, UV_RUN_DEFAULT);
    uv_loop_close(&m.loop);

    for (auto& w : workers) {
        if (w->Failure()) std::rethrow_exception(w->Failure());
    }
    return result;
}

}  // namespace lse::runtime
