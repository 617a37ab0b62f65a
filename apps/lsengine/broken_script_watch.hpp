#pragma once
/// @file
/// Stops a run whose script is broken instead of letting it fail every iteration for the whole duration: a
/// task that has failed with a script error on as many iterations as the scenario has virtual users (at most
/// kMaxEvidence) and never succeeded once cannot be a flaky minority: `chek(...)`, a misspelt option, a nil
/// index. The run ends with the grouped error message and exit 4, within a second of the evidence.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lse/report/run_observer.hpp"

namespace lse::cli {

class BrokenScriptWatch final : public report::RunObserver {
public:
    /// Never judge on fewer failures than this, nor ask for more (a 100k-VU scenario must not run
    /// 100k failing iterations first).
    static constexpr std::uint64_t kMinEvidence = 1;
    static constexpr std::uint64_t kMaxEvidence = 100;

    /// `scenarios` give the virtual users per scenario; `stop` is called once, on the first broken task.
    BrokenScriptWatch(std::vector<report::ScenarioInfo> scenarios, std::function<void()> stop);

    void OnInterval(const report::IntervalUpdate& update) override;

    bool Stopped() const noexcept { return !reason_.empty(); }
    /// "scenario 'shop', task 'buy': every iteration failed (12 of 12) with a script error: shop.lua:9: ..."
    const std::string& Reason() const noexcept { return reason_; }

private:
    std::uint64_t EvidenceFor(const std::string& scenario) const;

    std::vector<report::ScenarioInfo> scenarios_;
    std::function<void()> stop_;
    std::string reason_;
};

}  // namespace lse::cli
