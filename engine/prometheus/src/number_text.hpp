#pragma once
// Number formatting shared by the exposition's families (one copy, not one per file).

#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>

namespace lse::prometheus::detail {

/// Shortest round-trip form; NaN, +Inf and -Inf as the text format spells them (to_chars would write "inf", which
/// a scraper rejects). Every family writes its numbers through here, so a non-finite value (a counter whose sum
/// overflowed, an empty trend's quantile) is valid exposition wherever it appears.
inline void AppendNumber(std::string* out, double v) {
    if (std::isnan(v)) {
        *out += "NaN";
        return;
    }
    if (std::isinf(v)) {
        *out += v > 0 ? "+Inf" : "-Inf";
        return;
    }
    char buf[32];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    (void)ec;
    out->append(buf, end);
}

inline void AppendUint(std::string* out, std::uint64_t v) {
    char buf[24];
    const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
    (void)ec;
    out->append(buf, end);
}

}  // namespace lse::prometheus::detail
