// libFuzzer target: lse::plan::DecodePlan on arbitrary bytes (an agent decodes plans from the broker).
//
// Input: one mode byte, then the plan bytes. A plan ends with an FNV-1a 64 of everything before it, which
// almost every mutation breaks; with the mode byte's low bit set the fuzzer rewrites that trailer so the
// mutated body reaches the real decoding (otherwise only the checksum rejection would be exercised).
//
// Invariants: no crash or UB; a decoded plan passes CheckScenarioPlan; it encodes to bytes that decode to
// an equal plan (round trip), and encoding is stable (the re-encoded plan encodes identically).

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

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

// The plan codec's trailer (plan_codec.hpp): FNV-1a 64, 8 bytes little-endian.
void FixChecksum(std::string* bytes) {
    if (bytes->size() < 8) return;
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < bytes->size() - 8; ++i) {
        hash ^= static_cast<unsigned char>((*bytes)[i]);
        hash *= 0x100000001b3ULL;
    }
    for (int i = 0; i < 8; ++i) (*bytes)[bytes->size() - 8 + i] = static_cast<char>((hash >> (8 * i)) & 0xff);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
    if (size == 0) return 0;
    std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    if ((data[0] & 1) != 0) FixChecksum(&bytes);
    const lse::plan::DecodeLimits limits = FuzzLimits();

    lse::plan::Plan plan;
    std::string error;
    if (!lse::plan::DecodePlan(bytes, &plan, &error, limits)) {
        if (error.empty()) std::abort();  // every rejection says why
        return 0;
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
