#pragma once
// One GeneratorHealth as a generator reports it for one interval, for the tests of every module that carries or
// shows generator health (metrics codec, Prometheus families, the HTML report, the fuzz seeds): one sample instead
// of a copy per test. Every field is set, each to a different value, so an output or a codec that drops or swaps a
// field shows it. Not saturated (unless `lag_us` says so); a test changes the fields it is about.

#include <cstdint>

#include "lse/metrics/generator_health.hpp"

namespace lse::metrics::testing {

inline constexpr std::uint64_t kSampleRssBytes = 1 << 20;

/// 2 threads, 1 interval, `lag_samples` loop-lag samples of `lag_us`, 1.5 cores of CPU, host 75% busy, 300
/// arrivals of which 7 late, 20 open sockets, 21 ephemeral ports of a 28232 range, 1 MiB RSS.
inline GeneratorHealth SampleGeneratorHealth(std::int64_t lag_us = 800, std::uint64_t lag_samples = 50) {
    GeneratorHealth h;
    h.threads = 2;
    h.intervals = 1;
    h.loop_lag_us.RecordN(lag_us, lag_samples);
    h.process_cpu = 1.5;
    h.host_cpu = 0.75;
    h.arrivals = 300;
    h.late_arrivals = 7;
    h.open_sockets = 20;
    h.ephemeral_ports = 21;
    h.ephemeral_port_range = 28232;
    h.rss_bytes = kSampleRssBytes;
    return h;
}

}  // namespace lse::metrics::testing
