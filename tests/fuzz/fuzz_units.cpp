// libFuzzer target: lse::ParseDurationNs / TryParseDurationNs / ParseCount (command-line flags and
// scenario options).
//
// Invariants: no crash or UB; the throwing and non-throwing duration parsers agree (same verdict and
// value); an accepted duration is non-negative and its printed form (FormatDurationNs) parses back
// within the printer's rounding; an accepted count is non-negative and finite.

#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "lse/core/errors.hpp"
#include "lse/core/units.hpp"

namespace {

constexpr std::int64_t kDefaultUnits[] = {0, 1, 1'000'000, 1'000'000'000};

void CheckDuration(const std::string& text, std::int64_t default_unit_ns) {
    std::int64_t ns = -1;
    std::string error;
    const bool ok = lse::TryParseDurationNs(text, default_unit_ns, &ns, &error);
    if (!ok && error.empty()) std::abort();
    try {
        const std::int64_t thrown_ns = lse::ParseDurationNs(text, "fuzz", default_unit_ns);
        if (!ok || thrown_ns != ns) std::abort();
    } catch (const lse::UsageError& e) {
        if (ok) std::abort();
        // what() is a C string: compare the message up to its first NUL (inputs may contain some).
        const std::string expected = error.substr(0, error.find('\0'));
        if (std::string(e.what()).find(expected) == std::string::npos) std::abort();
    }
    if (!ok) return;
    if (ns < 0) std::abort();

    // FormatDurationNs keeps three significant digits (or whole seconds above a minute): the value it
    // prints must parse back to within that rounding.
    const std::string printed = lse::FormatDurationNs(ns);
    std::int64_t back = -1;
    if (!lse::TryParseDurationNs(printed, 0, &back, &error)) std::abort();
    const double tolerance = std::max(1.0, static_cast<double>(ns) * 0.01) + (ns >= 60'000'000'000LL ? 1e9 : 0);
    if (std::fabs(static_cast<double>(back) - static_cast<double>(ns)) > tolerance) std::abort();
}

void CheckCount(const std::string& text) {
    try {
        const double value = lse::ParseCount(text, "fuzz");
        if (!(value >= 0) || !std::isfinite(value)) std::abort();
    } catch (const lse::UsageError&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
    FuzzedDataProvider provider(data, size);
    const std::int64_t default_unit_ns = provider.PickValueInArray(kDefaultUnits);
    const std::string text = provider.ConsumeRemainingBytesAsString();
    CheckDuration(text, default_unit_ns);
    CheckCount(text);
    return 0;
}
