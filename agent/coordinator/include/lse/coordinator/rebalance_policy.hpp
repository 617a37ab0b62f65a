#pragma once
/// @file
/// Resource-aware rebalancing (issue 16 item 2): when an agent is itself the bottleneck (its load generator is
/// saturated: metrics::IsSaturated on its interval health), part of its share moves to agents with headroom, and
/// comes back once it has been healthy for a while.
///
/// The policy is pure (no clock, no broker): the coordinator feeds it each agent's interval health and asks it,
/// about once a second, which agents' factors change; it then splits the arrivals by EffectiveWeights through its
/// ordinary Rebalance (new epoch, `from = now + lead`, exact shards, loss accounting through the share history).
///
/// The rules, per agent (a factor in [min_factor, 1] multiplies its capacity weight):
///   * step down (factor x step_down) after `saturated_intervals` consecutive saturated intervals, when another
///     agent of its region that takes load has headroom (its latest interval not saturated and CPU per worker
///     thread under headroom_cpu): moving load to an agent that is just as busy would help nobody;
///   * step up (factor x step_up, capped at 1) after `healthy_intervals` consecutive healthy intervals;
///   * at most one step per agent every `min_step_gap_ns`, and each step needs a fresh streak: the load moves
///     gradually (a Rebalance takes effect a lead after it is sent, so the next interval still shows the old load).
/// An interval without health data (an agent that sends none) breaks both streaks and gives no headroom: the
/// policy acts only on what it measured.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "lse/core/clock.hpp"
#include "lse/metrics/generator_health.hpp"

namespace lse::coordinator {

struct RebalancePolicyOptions {
    int saturated_intervals = 2;
    int healthy_intervals = 5;
    double step_down = 0.8;
    double step_up = 1.25;
    double min_factor = 0.25;
    /// Another agent has headroom when its CPU per worker thread (metrics::CpuPerThread) is below this.
    double headroom_cpu = 0.70;
    std::int64_t min_step_gap_ns = 3 * kNsPerSec;
};

/// One factor change decided by RebalancePolicy::Decide.
struct FactorChange {
    std::size_t agent = 0;
    double before = 1;
    double after = 1;
    std::string why;  ///< "saturated: lag p99 23 ms", "saturated: CPU per thread 96% with 41 late arrivals", "recovered"
};

class RebalancePolicy {
public:
    /// regions[i]: agent i's region (agents rebalance only within their region); empty = one region for all.
    explicit RebalancePolicy(std::size_t agents, std::vector<std::string> regions = {},
                             RebalancePolicyOptions options = {});

    /// One interval of agent `agent` (in the order it sent them): its Snapshot::generators entry, or null when
    /// the interval carried none.
    void Observe(std::size_t agent, const metrics::GeneratorHealth* interval);

    /// The factor changes at now_ns (monotonic, any origin). takes[i]: agent i takes load (not timed out, no
    /// final totals yet); the others neither give nor take and keep their factor. Changes are already applied
    /// to Factors().
    std::vector<FactorChange> Decide(std::int64_t now_ns, const std::vector<bool>& takes);

    const std::vector<double>& Factors() const noexcept { return factors_; }

private:
    struct Agent {
        int saturated_streak = 0;
        int healthy_streak = 0;
        bool has_headroom = false;
        std::string saturation;  ///< why its latest saturated interval was saturated
        bool stepped = false;    ///< ever stepped (last_step_ns is meaningful)
        std::int64_t last_step_ns = 0;
    };

    bool HeadroomInRegion(std::size_t agent, const std::vector<bool>& takes) const;

    RebalancePolicyOptions options_;
    std::vector<std::string> regions_;
    std::vector<Agent> agents_;
    std::vector<double> factors_;
};

/// Why a saturated interval is saturated, for the rebalance log and table: "lag p99 23 ms" when the event-loop
/// lag decided it, else "CPU per thread 96% with 41 late arrivals" or "host CPU 97% with 1 late arrival" (whichever
/// is higher).
std::string SaturationReason(const metrics::GeneratorHealth& interval);

/// The weights the coordinator splits arrivals by: base[i] x factors[i], rescaled within each region so that
/// the region keeps its total weight (sum of its base weights): share moves between agents of one region, never
/// across regions (--region-weights decide those). regions empty = one region. base: the capacities (0 for an
/// agent that takes no load), or a region-aware weight vector (regions' RegionWeights). A region whose scaled
/// weights are all 0 keeps its base weights.
std::vector<double> EffectiveWeights(const std::vector<double>& base, const std::vector<double>& factors,
                                     const std::vector<std::string>& regions = {});

}  // namespace lse::coordinator
