#include "broken_script_watch.hpp"

#include <algorithm>
#include <utility>

#include "lse/metrics/error_groups.hpp"
#include "lse/metrics/stat_key.hpp"
#include "lse/thresholds/threshold.hpp"

namespace lse::cli {

BrokenScriptWatch::BrokenScriptWatch(std::vector<report::ScenarioInfo> scenarios, std::function<void()> stop)
    : scenarios_(std::move(scenarios)), stop_(std::move(stop)) {}

std::uint64_t BrokenScriptWatch::EvidenceFor(const std::string& scenario) const {
    for (const report::ScenarioInfo& s : scenarios_) {
        if (s.name == scenario) {
            return std::clamp<std::uint64_t>(static_cast<std::uint64_t>(std::max(0, s.vusers)), kMinEvidence,
                                             kMaxEvidence);
        }
    }
    return kMaxEvidence;
}

void BrokenScriptWatch::OnInterval(const report::IntervalUpdate& update) {
    if (Stopped()) return;
    metrics::StatKey key;
    for (const auto& [raw, stats] : update.cumulative.by_name) {
        if (!metrics::ParseStatKey(raw, &key) || key.kind != metrics::StatKind::kTask) continue;
        if (thresholds::IsLifecycleTask(key.task)) continue;
        const std::uint64_t script = stats.ErrorsOf(ErrorKind::kScript);
        if (stats.ok > 0 || script == 0 || script < stats.requests || script < EvidenceFor(key.scenario)) continue;
        // The most frequent message of that task's script errors says what is broken.
        std::string message;
        std::uint64_t best = 0;
        metrics::ErrorKey ek;
        for (const auto& [error_key, sample] : update.cumulative.errors) {
            if (!metrics::ParseErrorKey(error_key, &ek) || ek.row != raw || ek.kind != ErrorKind::kScript) continue;
            if (sample.count > best) {
                best = sample.count;
                message = ek.message;
            }
        }
        reason_ = "scenario '" + key.scenario + "', task '" + key.task + "': every iteration failed (" +
                  std::to_string(script) + " of " + std::to_string(stats.requests) +
                  ") with a script error, so the script is broken" + (message.empty() ? "" : ": " + message);
        if (stop_) stop_();
        return;
    }
}

}  // namespace lse::cli
