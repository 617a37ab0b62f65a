#include "lse/runtime/load_run.hpp"

#include <uv.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <memory>

#include "lse/core/clock.hpp"
#include "lse/core/errors.hpp"
#include "lse/core/stop_signals.hpp"
#include "lse/runtime/health_collector.hpp"
#include "lse/runtime/worker.hpp"
#include "lse/sched/shard.hpp"
#include "lse/uv/close.hpp"

namespace lse::runtime {
namespace {

// Workers are prepared and waiting when Go is sent; this margin lets every one of them
// receive it before the shared start instant, so their arrival schedules stay aligned.
constexpr std::int64_t kStartDelayNs = 50 * kNsPerMs;
// Beyond run length + grace (x2: drain, then on_stop), a worker that has not finished is
// cancelled. Runs must never hang.
constexpr std::int64_t kWatchdogSlackNs = 5 * kNsPerSec;
// After a cancel (a second SIGINT, a SIGTERM, the watchdog) workers that have not finished within this long are
// stuck (Lua that never yields, with the instruction budget off): Run returns without them (RunResult::abandoned).
constexpr std::int64_t kAbandonGraceNs = 500 * kNsPerMs;
// Workers publish at each whole second of the run; collect a little later so the
// second that just ended is complete, not split across two reports.
constexpr std::int64_t kCollectLagNs = 100 * kNsPerMs;

std::int64_t NowNs() { return static_cast<std::int64_t>(uv_hrtime()); }

struct MainLoop {
    uv_loop_t loop;
    uv_async_t notify;  // a worker prepared or finished
    uv_timer_t tick;
    uv_signal_t sigint;
    uv_signal_t sigterm;
    uv_timer_t abandon;  // armed by a cancel: see kAbandonGraceNs
    std::vector<std::unique_ptr<Worker>>* workers = nullptr;
    StopSignals signals;  // SIGINT drains, a second signal or a SIGTERM aborts
    bool cancelled = false;
    bool abandoned = false;
    std::function<void()> on_tick;
    std::function<void()> on_notify;  // set before uv_run; async callbacks only fire inside it
    std::function<void()> cancel;     // in-flight work was cancelled: arm `abandon`
};

// Merges what every worker published into *interval and completes the generator's health entry of it.
void CollectInto(std::vector<std::unique_ptr<Worker>>& workers, HealthCollector* health, metrics::Snapshot* interval) {
    for (auto& w : workers) {
        metrics::Snapshot s;
        if (!w->Recorder().TakePublished(&s)) continue;
        health->AddThread(s);
        *interval += s;
    }
    health->Finish(interval, NowNs());
}

void StartTimer(uv_timer_t* t, std::int64_t deadline_ns) {
    uv_update_time(t->loop);
    const std::int64_t wait = std::max<std::int64_t>(0, deadline_ns - NowNs());
    uv_timer_start(t, [](uv_timer_t* h) { static_cast<MainLoop*>(h->data)->on_tick(); },
                   static_cast<std::uint64_t>((wait + kNsPerMs - 1) / kNsPerMs), 0);
}

}  // namespace

LoadRun::LoadRun(std::vector<Workload> workloads, http::ClientOptions client)
    : workloads_(std::move(workloads)), client_(std::move(client)) {}

LoadRun::LoadRun(LoadSpec spec, http::ClientOptions client, RunnerFactory factory, std::string dropped_key)
    : client_(std::move(client)) {
    workloads_.push_back(Workload{std::move(spec), std::move(factory), std::move(dropped_key)});
}

std::int64_t LoadRun::RunLengthNs() const {
    std::int64_t len = 0;
    for (const auto& w : workloads_) len = std::max(len, w.spec.RunLengthNs());
    return len;
}

std::vector<sched::ShardSegment> SplitSegment(sched::ShardSegment segment, int parts) {
    std::vector<sched::ShardSegment> out;
    const std::int64_t size = segment.end - segment.begin;
    for (int i = 0; i < parts; ++i) {
        out.push_back(sched::ShardSegment{segment.begin + size * i / parts, segment.begin + size * (i + 1) / parts});
    }
    return out;
}

/// Worker i hosts ceil((vusers - i) / parts) virtual users (they interleave), so it gets arrivals in that
/// proportion: with an even split, a worker with one VU fewer would reuse its identities more often than the
/// others (issue 12 item 4: every identity used evenly).
static std::vector<sched::ShardSegment> SplitSegmentByVusers(sched::ShardSegment segment, int parts, int vusers) {
    if (parts <= 1 || vusers < parts || vusers % parts == 0) return SplitSegment(segment, parts);
    std::vector<sched::ShardSegment> out;
    const std::int64_t size = segment.end - segment.begin;
    std::int64_t hosted = 0;
    for (int i = 0; i < parts; ++i) {
        const std::int64_t begin = segment.begin + size * hosted / vusers;
        hosted += (vusers - i + parts - 1) / parts;
        out.push_back(sched::ShardSegment{begin, segment.begin + size * hosted / vusers});
    }
    return out;
}

void LoadRun::RequestStop(bool abort) {
    stop_requested_.store(true);
    std::lock_guard<std::mutex> lock(live_mu_);
    if (live_workers_ == nullptr) return;
    for (auto& w : *live_workers_) {
        if (abort) {
            w->RequestAbort();
        } else {
            w->RequestStop();
        }
    }
}

void LoadRun::Reshard(size_t workload_index, sched::ShardSegment segment, std::int64_t from_ns) {
    std::lock_guard<std::mutex> lock(live_mu_);
    if (live_workers_ == nullptr) {
        early_reshards_.push_back({workload_index, segment, from_ns});
        return;
    }
    ReshardLocked(workload_index, segment, from_ns);
}

void LoadRun::ReshardLocked(size_t workload_index, sched::ShardSegment segment, std::int64_t from_ns) {
    std::vector<Worker*> targets;
    for (size_t i = 0; i < live_workers_->size(); ++i) {
        if (worker_workload_[i] == workload_index) targets.push_back((*live_workers_)[i].get());
    }
    const std::vector<sched::ShardSegment> parts =
        SplitSegmentByVusers(segment, static_cast<int>(targets.size()), workloads_[workload_index].spec.vusers);
    for (size_t i = 0; i < targets.size(); ++i) targets[i]->Reshard(parts[i], from_ns);
}

RunResult LoadRun::Run(const std::function<void(const RunProgress&)>& on_progress, RunOptions options) {
    // On the heap: when a worker is abandoned (stuck in Lua), its on_finished may still signal m.notify at any time,
    // so the loop and its handles are then deliberately never freed (the process is about to exit).
    auto* owned_loop = new MainLoop;
    MainLoop& m = *owned_loop;
    uv_loop_init(&m.loop);
    uv_async_init(&m.loop, &m.notify, [](uv_async_t* a) {
        auto* mm = static_cast<MainLoop*>(a->data);
        if (mm->on_notify) mm->on_notify();
    });
    m.notify.data = &m;
    std::vector<std::unique_ptr<Worker>> workers;
    m.workers = &workers;

    std::int64_t grace_ns = 0;
    worker_workload_.clear();
    // One process, one generator: every worker reports its health under the first workload's id.
    const std::string generator_id =
        workloads_.empty() ? std::string(metrics::kLocalGenerator) : workloads_.front().spec.generator_id;
    // One shared iteration count per workload that has one (LoadSpec::iterations); they outlive the workers.
    std::vector<std::unique_ptr<std::atomic<std::int64_t>>> iteration_counts;
    for (size_t wi = 0; wi < workloads_.size(); ++wi) {
        const Workload& wl = workloads_[wi];
        std::atomic<std::int64_t>* iterations_left = nullptr;
        if (wl.spec.model == LoadModel::kClosed && wl.spec.iterations > 0) {
            iteration_counts.push_back(std::make_unique<std::atomic<std::int64_t>>(wl.spec.iterations));
            iterations_left = iteration_counts.back().get();
        }
        const int threads = std::max(1, std::min(wl.spec.threads, std::max(1, wl.spec.vusers)));
        const std::vector<sched::ShardSegment> segments = SplitSegmentByVusers(wl.segment, threads, wl.spec.vusers);
        grace_ns = std::max(grace_ns, wl.spec.grace_ns);
        for (int i = 0; i < threads; ++i) {
            WorkerConfig cfg;
            cfg.index = i;
            cfg.count = threads;
            cfg.spec = wl.spec;
            cfg.spec.threads = threads;
            cfg.spec.generator_id = generator_id;
            cfg.segment = segments[static_cast<size_t>(i)];
            cfg.client = wl.client ? *wl.client : client_;
            cfg.dropped_name = wl.dropped_key;
            cfg.send_lease_ns = options.send_lease_ns;
            cfg.iterations_left = iterations_left;
            uv_async_t* notify = &m.notify;
            cfg.on_prepared = [notify] { uv_async_send(notify); };
            cfg.on_finished = [notify] { uv_async_send(notify); };
            workers.push_back(std::make_unique<Worker>(std::move(cfg), wl.factory));
            worker_workload_.push_back(wi);
        }
    }
    {
        std::lock_guard<std::mutex> lock(live_mu_);
        live_workers_ = &workers;
        for (const EarlyReshard& r : early_reshards_) ReshardLocked(r.workload_index, r.segment, r.from_ns);
        early_reshards_.clear();
    }

    HealthCollector health(generator_id, static_cast<int>(workers.size()));
    RunResult result;
    const std::int64_t run_ns = RunLengthNs();
    metrics::Snapshot cumulative;
    std::int64_t next_tick_ns = 0;
    bool started = false;
    bool watchdog_fired = false;
    std::string prepare_error;

    auto all = [&](auto pred) { return std::all_of(workers.begin(), workers.end(), pred); };

    m.on_tick = [&] {
        const std::int64_t now = NowNs();
        metrics::Snapshot interval;
        interval.start_ns = next_tick_ns - kNsPerSec;
        interval.end_ns = next_tick_ns;
        CollectInto(workers, &health, &interval);
        cumulative += interval;
        result.intervals.push_back(interval);
        if (on_progress) {
            on_progress(RunProgress{interval, cumulative, std::min(next_tick_ns - result.started_ns, run_ns), run_ns});
        }
        if (!watchdog_fired && now > result.started_ns + run_ns + 2 * grace_ns + kWatchdogSlackNs) {
            watchdog_fired = true;
            for (auto& w : workers) w->RequestAbort();
            m.cancel();
        }
        next_tick_ns += kNsPerSec;
        StartTimer(&m.tick, next_tick_ns + kCollectLagNs);
    };

    m.on_notify = [&] {
        if (!started && all([](auto& w) { return w->Prepared(); })) {
            started = true;
            for (auto& w : workers) {
                if (w->Failure() || !w->PrepareFailure().empty()) {
                    if (prepare_error.empty()) prepare_error = w->PrepareFailure();
                }
            }
            const bool failed = !prepare_error.empty() ||
                                std::any_of(workers.begin(), workers.end(), [](auto& w) { return bool(w->Failure()); });
            if (failed || m.signals.Interrupted() || stop_requested_.load()) {
                for (auto& w : workers) w->RequestStop();  // skip load; on_stop still runs for those prepared
            } else {
                result.started_ns = options.start_at_ns > 0 ? options.start_at_ns : NowNs() + kStartDelayNs;
                next_tick_ns = result.started_ns + kNsPerSec;
                health.Begin(result.started_ns, NowNs());
                for (auto& w : workers) w->Go(result.started_ns);
                StartTimer(&m.tick, next_tick_ns + kCollectLagNs);
            }
        }
        if (all([](auto& w) { return w->Finished(); })) uv_stop(&m.loop);
    };

    uv_timer_init(&m.loop, &m.tick);
    m.tick.data = &m;
    uv_timer_init(&m.loop, &m.abandon);
    m.abandon.data = &m;
    // A cancel gives the workers kAbandonGraceNs to finish; a worker stuck in Lua is then left behind, so that a
    // second Ctrl-C or a SIGTERM always ends the process within about a second, whatever the script does.
    m.cancel = [&m] {
        if (m.cancelled) return;
        m.cancelled = true;
        uv_timer_start(&m.abandon, [](uv_timer_t* h) {
            auto* mm = static_cast<MainLoop*>(h->data);
            const bool stuck = std::any_of(mm->workers->begin(), mm->workers->end(), [](auto& w) { return !w->Finished(); });
            if (!stuck) return;
            mm->abandoned = true;
            uv_stop(h->loop);
        }, static_cast<std::uint64_t>(kAbandonGraceNs / kNsPerMs), 0);
    };

    // First SIGINT: stop starting work, drain, run on_stop. A second one or a SIGTERM: cancel in-flight work.
    auto on_signal = [](uv_signal_t* s, int signum) {
        auto* mm = static_cast<MainLoop*>(s->data);
        const bool cancel = mm->signals.Arrive(signum) == StopAction::kAbort;
        for (auto& w : *mm->workers) {
            if (cancel) {
                w->RequestAbort();
            } else {
                w->RequestStop();
            }
        }
        if (cancel) mm->cancel();
    };
    uv_signal_init(&m.loop, &m.sigint);
    uv_signal_init(&m.loop, &m.sigterm);
    m.sigint.data = &m;
    m.sigterm.data = &m;
    if (options.handle_signals) {
        uv_signal_start(&m.sigint, on_signal, SIGINT);
        uv_signal_start(&m.sigterm, on_signal, SIGTERM);
    }

    for (auto& w : workers) w->Start();
    m.on_notify();  // workers may have prepared (or failed) before the loop runs
    if (!all([](auto& w) { return w->Finished(); })) uv_run(&m.loop, UV_RUN_DEFAULT);

    // After an abandon, stuck workers are left running: join only the others.
    for (auto& w : workers) {
        if (!m.abandoned || w->Finished()) {
            w->Join();
        } else {
            ++result.abandoned_workers;
        }
    }
    {
        std::lock_guard<std::mutex> lock(live_mu_);
        live_workers_ = nullptr;
    }
    result.ended_ns = NowNs();
    result.interrupted = m.signals.Interrupted() || stop_requested_.load();

    // Whatever the workers published after the last tick belongs to the final (partial) second.
    if (result.started_ns > 0) {
        metrics::Snapshot tail;
        tail.start_ns = next_tick_ns - kNsPerSec;
        tail.end_ns = std::max(result.ended_ns, tail.start_ns);
        CollectInto(workers, &health, &tail);
        cumulative += tail;
        result.intervals.push_back(tail);
    }
    result.total = cumulative;
    result.total.start_ns = result.started_ns;
    result.total.end_ns = result.ended_ns;
    for (auto& w : workers) {
        if (w->Finished() && !w->FinishFailure().empty()) result.finish_errors.push_back(w->FinishFailure());
    }

    if (result.abandoned_workers > 0) {
        result.interrupted = true;
        // The signal handlers stay installed too: a further signal is only counted, never the default action.
        uv_timer_stop(&m.tick);
        uv_timer_stop(&m.abandon);
        // The stuck workers stay allocated (their thread still uses them); the finished ones are freed as usual.
        for (auto& w : workers) {
            if (!w->Finished()) (void)w.release();
        }
        for (auto& c : iteration_counts) (void)c.release();  // a stuck worker may still take from its count
        return result;
    }
    uv::Close(&m.notify);  // the handles live in `m`, freed below once the loop ran their closes
    uv::Close(&m.tick);
    uv::Close(&m.abandon);
    uv::Close(&m.sigint);
    uv::Close(&m.sigterm);
    uv_run(&m.loop, UV_RUN_DEFAULT);
    uv_loop_close(&m.loop);
    delete owned_loop;

    for (auto& w : workers) {
        if (w->Failure()) std::rethrow_exception(w->Failure());
    }
    if (!prepare_error.empty()) throw ScriptError(prepare_error);
    return result;
}

}  // namespace lse::runtime
