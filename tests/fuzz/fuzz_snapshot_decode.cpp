// libFuzzer target: lse::metrics::Snapshot::Decode (coordinators decode agents' interval statistics).
//
// Invariants: no crash or UB; a decoded snapshot re-encodes to bytes that decode to an equal snapshot
// and re-encode identically; decoding into a snapshot that already holds names (the coordinator reuses
// one) gives the same result as decoding into a fresh one; merging it into another stays decodable; AddEncoded
// (the coordinator's merge straight from the bytes) accepts exactly what Decode accepts and adds the same.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "lse/metrics/snapshot.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    std::string error;

    lse::metrics::Snapshot snapshot;
    lse::metrics::Snapshot added;
    std::string add_error;
    const bool add_ok = lse::metrics::Snapshot::AddEncoded(bytes, &added, &add_error);
    if (!lse::metrics::Snapshot::Decode(bytes, &snapshot, &error)) {
        if (error.empty() || add_ok || add_error.empty()) std::abort();
        return 0;
    }
    if (!add_ok) std::abort();
    lse::metrics::Snapshot expected;
    expected += snapshot;  // AddEncoded into an empty snapshot is `empty += decoded`
    if (!(added == expected)) std::abort();
    if (snapshot.by_name.size() > lse::metrics::Snapshot::kMaxNames) std::abort();
    if (snapshot.checks.size() > lse::metrics::Snapshot::kMaxNames) std::abort();

    std::string encoded;
    snapshot.AppendTo(&encoded);
    lse::metrics::Snapshot again;
    if (!lse::metrics::Snapshot::Decode(encoded, &again, &error)) std::abort();
    if (!(again == snapshot)) std::abort();
    std::string encoded_again;
    again.AppendTo(&encoded_again);
    if (encoded_again != encoded) std::abort();

    // Reuse: a snapshot holding other names (and statistics) decodes to exactly the same value.
    lse::metrics::Snapshot reused;
    reused.ForName("a stale name").RecordDropped(3);
    reused.checks["stale check"].passes = 1;
    if (!lse::metrics::Snapshot::Decode(bytes, &reused, &error)) std::abort();
    if (!(reused == snapshot)) std::abort();

    // Merging (what the coordinator does with every agent's snapshot) must not break the encoding.
    lse::metrics::Snapshot merged = snapshot;
    merged += again;
    std::string merged_bytes;
    merged.AppendTo(&merged_bytes);
    lse::metrics::Snapshot merged_decoded;
    if (!lse::metrics::Snapshot::Decode(merged_bytes, &merged_decoded, &error)) std::abort();
    if (!(merged_decoded == merged)) std::abort();
    return 0;
}
