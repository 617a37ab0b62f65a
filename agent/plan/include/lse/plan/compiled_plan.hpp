#pragma once
/// @file
/// An agent's way to read its plan (issue 16, item 5: at most 1.5 KB per virtual user of its slice): decode and
/// compile in one pass. Each request and each virtual user is checked and compiled as the decoder reads it, then
/// dropped, so the decoded plan (about 1.6 KB per virtual user with a per-user Authorization header) never exists
/// whole: the peak is the encoded bytes, the string table and the compiled form (tests/plan/plan_memory_test.cpp).
///
/// It accepts exactly the plans DecodePlan accepts, with the same messages ("invalid plan: ..."); when a plan has
/// several problems, the one reported may differ (checks that need what the format puts after the virtual users,
/// the metric table and the data feeds, run once those are read).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lse/plan/compiled_scenario.hpp"
#include "lse/plan/plan.hpp"
#include "lse/plan/plan_codec.hpp"

namespace lse::plan {

struct CompiledPlan {
    std::uint32_t version = 1;
    std::string cluster_id;
    std::string run_id;
    struct Scenario {
        std::string name;
        /// Null when the scenario was not selected (checked, not compiled) or could not be compiled (`problem`).
        std::shared_ptr<const CompiledScenario> compiled;
        /// Why a selected scenario cannot be replayed (CompileScenario's lse::UsageError text: "scenario 's', ...").
        std::string problem;
    };
    std::vector<Scenario> scenarios;  ///< plan order
    std::vector<DataFeed> feeds;      ///< Plan::feeds (MakeFeeders)
};

struct CompilePlanOptions {
    /// The scenarios to compile (by name); null: all of them. The others are only checked.
    std::function<bool(const std::string& scenario)> select;
    DecodeLimits limits{};
    /// Called after each request and each virtual user is compiled (a test measures the peak memory with it).
    std::function<void()> on_progress;
};

/// Decodes and checks `bytes` as DecodePlan does, compiling the selected scenarios as it goes. False with *error
/// ("invalid plan: ...") for a plan DecodePlan refuses; a selected scenario that does not compile (a placeholder in a
/// URL's host...) is not a failure of the call: its `problem` says why.
bool DecodeAndCompilePlan(std::string_view bytes, CompiledPlan* out, std::string* error,
                          const CompilePlanOptions& options = {});

}  // namespace lse::plan
