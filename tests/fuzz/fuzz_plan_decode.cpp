// libFuzzer target: lse::plan::DecodePlan on arbitrary bytes (an agent decodes plans from the broker).
//
// Input: the plan bytes. The plan format has no checksum of its own (since format 3: the Assignment's
// plan_checksum covers the plan), so every mutation past the header reaches the real decoding.
//
// Invariants: no crash or UB; a decoded plan passes CheckScenarioPlan; it encodes to bytes that decode to
// an equal plan (round trip), and encoding is stable (the re-encoded plan encodes identically). The agent's
// one-pass DecodeAndCompilePlan accepts exactly what DecodePlan accepts (a refusal always says why), and compiles
// each scenario it accepts or says why it cannot.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lse/plan/compiled_plan.hpp"
#include "lse/plan/plan.hpp"
#include "lse/plan/plan_codec.hpp"

namespace {

// Tighter than the defaults so a few-kilobyte input cannot make one run allocate hundreds of megabytes;
// the checks are the same code paths.
lse::plan::DecodeLimits FuzzLimits() {
    lse::plan::DecodeLimits limits;
    limits.max_bytes = 1u << 20;
    limits.max_vusers = 4096;
    limits.max_requests = 4096;
    limits.max_strings = 1u << 16;
    limits.max_string_bytes = 64u << 10;
    limits.max_decoded_string_bytes = 8u << 20;
    return limits;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
    const std::string bytes(reinterpret_cast<const char*>(data), size);
    const lse::plan::DecodeLimits limits = FuzzLimits();

    lse::plan::Plan plan;
    std::string error;
    const bool decoded = lse::plan::DecodePlan(bytes, &plan, &error, limits);
    if (!decoded && error.empty()) std::abort();  // every rejection says why

    lse::plan::CompilePlanOptions options;
    options.limits = limits;
    lse::plan::CompiledPlan compiled;
    std::string compile_error;
    const bool streamed = lse::plan::DecodeAndCompilePlan(bytes, &compiled, &compile_error, options);
    if (streamed != decoded) std::abort();
    if (!streamed && compile_error.empty()) std::abort();
    if (!decoded) return 0;
    if (compiled.scenarios.size() != plan.scenarios.size()) std::abort();
    for (const auto& s : compiled.scenarios) {
        if ((s.compiled == nullptr) == s.problem.empty()) std::abort();
    }
    for (const lse::plan::ScenarioPlan& scenario : plan.scenarios) {
        if (!lse::plan::CheckScenarioPlan(scenario, &error)) std::abort();
    }

    const std::string encoded = lse::plan::EncodePlan(plan);
    lse::plan::Plan again;
    if (!lse::plan::DecodePlan(encoded, &again, &error, limits)) std::abort();
    if (!(again == plan)) std::abort();
    if (lse::plan::EncodePlan(again) != encoded) std::abort();
    return 0;
}
