#include "lse/prometheus/exporter.hpp"

#include "lse/prometheus/listen_address.hpp"
#include "lse/thresholds/generator_stats.hpp"

namespace lse::prometheus {
namespace {

constexpr std::string_view kFlag = "--prometheus";

double Seconds(std::int64_t ns) { return static_cast<double>(ns) / 1e9; }

}  // namespace

PrometheusExporter::PrometheusExporter(std::string_view address)
    : server_(ParseListenAddress(address, kFlag), kFlag, std::string(kExpositionContentType)) {
    Publish(nullptr);  // a scrape before the run starts sees the families, not an empty page
}

PrometheusExporter::~PrometheusExporter() = default;

void PrometheusExporter::OnStart(const report::RunDescription& run) {
    state_.script = run.script;
    state_.target = run.target;
    state_.duration_seconds = Seconds(run.total_ns);
    state_.distributed = run.distributed;
    state_.elapsed_seconds = 0;
    state_.finished = false;
    state_.thresholds_failed = -1;
    state_.generator_gauges.clear();
    double rps = 0;
    for (const report::ScenarioInfo& s : run.scenarios) rps += s.target_rps;
    state_.target_rps = rps;
    Publish(nullptr);
}

void PrometheusExporter::OnInterval(const report::IntervalUpdate& update) {
    state_.elapsed_seconds = Seconds(update.elapsed_ns);
    if (update.total_ns > 0) state_.duration_seconds = Seconds(update.total_ns);
    state_.target_rps = update.target_rps;
    state_.active_vusers = update.active_vusers;
    state_.agent_states.clear();
    for (const report::AgentStatus& a : update.agents) state_.agent_states.push_back(a.state);
    // Gauges are the generators' latest: those that reported in this interval replace their values.
    for (const auto& [id, h] : update.interval.generators) {
        if (!thresholds::HasReport(h)) continue;
        GeneratorGauges& g = state_.generator_gauges[id];
        g.threads = h.threads;
        g.process_cpu = h.process_cpu;
        g.host_cpu = h.host_cpu;
        g.open_sockets = h.open_sockets;
        g.ephemeral_ports = h.ephemeral_ports;
        g.ephemeral_port_range = h.ephemeral_port_range;
        g.rss_bytes = h.rss_bytes;
        g.saturated = thresholds::WasSaturated(h);
    }
    Publish(&update.cumulative, update.cumulative_regions);
}

void PrometheusExporter::OnEnd(const report::RunOutcome& outcome) {
    const report::SummaryInput& summary = outcome.summary;
    state_.elapsed_seconds = Seconds(summary.duration_ns);
    // Nothing runs any more: the load gauges drop to 0 while the counters keep their final values.
    state_.target_rps = 0;
    state_.active_vusers = 0;
    state_.finished = true;
    if (!outcome.agents.empty()) {
        state_.agent_states.clear();
        for (const report::AgentResult& a : outcome.agents) state_.agent_states.push_back(a.status.state);
    }
    int failed = 0;
    for (const thresholds::Verdict& v : summary.verdicts) failed += v.passed ? 0 : 1;
    state_.thresholds_failed = failed;
    Publish(&summary.total, &summary.regions);  // the regions' exact totals, final seconds included
}

void PrometheusExporter::Publish(const metrics::Snapshot* cumulative,
                                 const std::map<std::string, metrics::Snapshot>* regions) {
    state_.cumulative = cumulative;
    state_.regions = regions;
    text_ = RenderExposition(state_);
    state_.cumulative = nullptr;
    state_.regions = nullptr;
    server_.SetBody(text_);
}

}  // namespace lse::prometheus
