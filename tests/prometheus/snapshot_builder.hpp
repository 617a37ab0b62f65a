#pragma once
/// @file
/// Builds synthetic Snapshots for the exporter tests with the stat keys a real run uses.

#include <string>

#include "lse/core/error_kind.hpp"
#include "lse/metrics/snapshot.hpp"
#include "lse/metrics/stat_key.hpp"

namespace lse::prometheus::testing {

inline metrics::RequestStats& Request(metrics::Snapshot* s, const std::string& scenario, const std::string& task,
                                      const std::string& name) {
    return s->ForName(metrics::MakeStatKey(metrics::StatKind::kRequest, scenario, task, name));
}

/// `n` responses with `status` (accepted when < 400), all timed at service_us / response_us.
inline void AddResponses(metrics::Snapshot* s, metrics::RequestStats* named, int n, int status,
                         std::int64_t service_us, std::int64_t response_us) {
    for (int i = 0; i < n; ++i) {
        s->RecordCompletion(named, ErrorKind::kNone, status, status < 400, service_us, response_us, 100, 50);
    }
}

inline void AddErrors(metrics::Snapshot* s, metrics::RequestStats* named, int n, ErrorKind kind) {
    for (int i = 0; i < n; ++i) s->RecordCompletion(named, kind, 0, false, 0, 0, 0, 50);
}

}  // namespace lse::prometheus::testing
