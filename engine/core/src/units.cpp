#include "lse/core/units.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

#include "lse/core/errors.hpp"

namespace lse {
namespace {

// Reads a non-negative decimal number ("12", "1.5", ".5") from the front of s.
bool ReadNumber(std::string_view& s, double* out) {
    size_t i = 0;
    double value = 0;
    bool digits = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        value = value * 10 + (s[i] - '0');
        digits = true;
        ++i;
    }
    if (i < s.size() && s[i] == '.') {
        ++i;
        double scale = 0.1;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            value += (s[i] - '0') * scale;
            scale /= 10;
            digits = true;
            ++i;
        }
    }
    if (!digits) return false;
    s.remove_prefix(i);
    *out = value;
    return true;
}

// Longest unit names first so "ms" is not read as "m".
struct Unit {
    std::string_view name;
    double ns;
};
constexpr Unit kUnits[] = {{"ns", 1.0},        {"us", 1e3},  {"\xC2\xB5s", 1e3}, {"ms", 1e6},
                           {"s", 1e9},         {"m", 60e9},  {"h", 3600e9}};

}  // namespace

bool TryParseDurationNs(std::string_view text, std::int64_t default_unit_ns, std::int64_t* out, std::string* error) {
    std::string_view s = text;
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    if (s.empty()) {
        *error = "empty duration";
        return false;
    }
    const std::string_view trimmed = s;
    double total = 0;
    bool any = false;
    while (!s.empty()) {
        double value;
        if (!ReadNumber(s, &value)) {
            *error = "expected a number in '" + std::string(text) + "'";
            return false;
        }
        const Unit* unit = nullptr;
        for (const Unit& u : kUnits) {
            if (s.substr(0, u.name.size()) == u.name) {
                unit = &u;
                break;
            }
        }
        if (unit == nullptr) {
            if (s.empty() && !any && default_unit_ns > 0) {
                total += value * static_cast<double>(default_unit_ns);
                any = true;
                break;
            }
            if (s.empty() && !any && value == 0) {  // a bare 0 is 0 in every unit ("--max-wait 0")
                any = true;
                break;
            }
            if (s.empty() && !any) {  // a bare number: wrk's -d 30 means seconds, ours needs the unit said
                *error = "missing unit in '" + std::string(trimmed) + "': did you mean " + std::string(trimmed) +
                         "s? (units: ns, us, ms, s, m, h)";
                return false;
            }
            *error = "missing or unknown unit in '" + std::string(text) + "' (use ns, us, ms, s, m or h, e.g. 30s)";
            return false;
        }
        s.remove_prefix(unit->name.size());
        total += value * unit->ns;
        any = true;
    }
    if (total > static_cast<double>(std::numeric_limits<std::int64_t>::max() / 2)) {
        *error = "duration '" + std::string(text) + "' is too large";
        return false;
    }
    *out = static_cast<std::int64_t>(std::llround(total));
    return true;
}

std::int64_t ParseDurationNs(std::string_view text, std::string_view what, std::int64_t default_unit_ns) {
    std::int64_t ns = 0;
    std::string error;
    if (!TryParseDurationNs(text, default_unit_ns, &ns, &error)) {
        throw UsageError(std::string(what) + ": " + error);
    }
    return ns;
}

double ParseCount(std::string_view text, std::string_view what) {
    std::string_view s = text;
    double value;
    if (!ReadNumber(s, &value)) {
        throw UsageError(std::string(what) + ": expected a non-negative number, got '" + std::string(text) + "'");
    }
    if (s == "k" || s == "K") {
        value *= 1e3;
    } else if (s == "M") {
        value *= 1e6;
    } else if (!s.empty()) {
        throw UsageError(std::string(what) + ": unexpected '" + std::string(s) + "' in '" + std::string(text) +
                         "' (allowed suffixes: k, M)");
    }
    return value;
}

std::uint64_t ParseByteSize(std::string_view text, std::string_view what) {
    std::string_view s = text;
    std::uint64_t value = 0;
    size_t digits = 0;
    while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') {
        const std::uint64_t d = static_cast<std::uint64_t>(s[digits] - '0');
        if (value > (std::numeric_limits<std::uint64_t>::max() - d) / 10) {
            throw UsageError(std::string(what) + ": '" + std::string(text) + "' is too large");
        }
        value = value * 10 + d;
        ++digits;
    }
    if (digits == 0) {
        throw UsageError(std::string(what) + ": expected a size like 65536, 64KiB or 1MiB, got '" + std::string(text) +
                         "'");
    }
    s.remove_prefix(digits);
    struct Unit {
        std::string_view name;
        int shift;
    };
    static constexpr Unit kUnits[] = {{"", 0},     {"B", 0},   {"KiB", 10}, {"KB", 10}, {"K", 10}, {"k", 10},
                                      {"MiB", 20}, {"MB", 20}, {"M", 20},   {"m", 20},  {"GiB", 30}, {"GB", 30},
                                      {"G", 30},   {"g", 30}};
    for (const Unit& u : kUnits) {
        if (s != u.name) continue;
        if (u.shift > 0 && value > (std::numeric_limits<std::uint64_t>::max() >> u.shift)) {
            throw UsageError(std::string(what) + ": '" + std::string(text) + "' is too large");
        }
        return value << u.shift;
    }
    throw UsageError(std::string(what) + ": unexpected '" + std::string(s) + "' in '" + std::string(text) +
                     "' (units: B, KiB, MiB, GiB)");
}

std::string FormatDurationNs(std::int64_t ns) {
    char buf[64];
    const double v = static_cast<double>(ns);
    if (ns < 0) {
        return "-" + FormatDurationNs(-ns);
    } else if (ns < 1'000) {
        std::snprintf(buf, sizeof buf, "%lldns", static_cast<long long>(ns));
    } else if (ns < 1'000'000) {
        std::snprintf(buf, sizeof buf, v < 10e3 ? "%.2fus" : v < 100e3 ? "%.1fus" : "%.0fus", v / 1e3);
    } else if (ns < 1'000'000'000) {
        std::snprintf(buf, sizeof buf, v < 10e6 ? "%.2fms" : v < 100e6 ? "%.1fms" : "%.0fms", v / 1e6);
    } else if (ns < 60'000'000'000LL) {
        std::snprintf(buf, sizeof buf, "%.2fs", v / 1e9);
    } else {
        const long long secs = ns / 1'000'000'000LL;
        std::snprintf(buf, sizeof buf, "%lldm%02llds", secs / 60, secs % 60);
    }
    return buf;
}

}  // namespace lse
