#pragma once
/// @file
/// `--prometheus ADDR`: serves the run's metrics at http://ADDR/metrics for Prometheus to scrape.
/// The exposition text is rendered on the run's thread at OnStart, every OnInterval and OnEnd from the
/// cumulative snapshot (lse/prometheus/exposition.hpp lists the families), then swapped in for the
/// server thread; a scrape only copies a pointer. After OnEnd the final values stay available until
/// the exporter is destroyed.

#include <memory>
#include <string>
#include <string_view>

#include "lse/prometheus/exposition.hpp"
#include "lse/prometheus/metrics_http_server.hpp"
#include "lse/report/run_observer.hpp"

namespace lse::prometheus {

/// Content-Type of the text exposition format.
inline constexpr std::string_view kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

class PrometheusExporter : public report::RunObserver {
public:
    /// Binds at construction ("127.0.0.1:9464", ":9464", "localhost:0"). Throws lse::UsageError naming
    /// --prometheus and the address when it is malformed, lse::SetupError when binding fails.
    explicit PrometheusExporter(std::string_view address);
    ~PrometheusExporter() override;

    /// The port bound (the kernel's choice for port 0).
    int BoundPort() const noexcept { return server_.BoundPort(); }

    void OnStart(const report::RunDescription& run) override;
    void OnInterval(const report::IntervalUpdate& update) override;
    void OnEnd(const report::RunOutcome& outcome) override;

    /// The text the server currently answers (for tests and debugging).
    const std::string& CurrentText() const noexcept { return text_; }

private:
    /// `regions`: per agent region since the start (null: no region families).
    void Publish(const metrics::Snapshot* cumulative, const std::map<std::string, metrics::Snapshot>* regions = nullptr);

    ExpositionInput state_;  // run thread only; `cumulative` and `regions` are set just for the duration of Publish
    std::string text_;
    MetricsHttpServer server_;
};

}  // namespace lse::prometheus
