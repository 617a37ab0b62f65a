#include "lse/data/feeder.hpp"

namespace lse::data {
namespace {

constexpr std::string_view kModeNames[] = {"per_vu", "sequential", "random", "unique"};
constexpr std::string_view kExhaustedNames[] = {"stop", "wrap"};

// splitmix64's finaliser: draw numbers that differ by one give unrelated rows.
std::uint64_t Mix(std::uint64_t x) noexcept {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

}  // namespace

std::optional<AccessMode> ParseAccessMode(std::string_view name) noexcept {
    for (std::size_t i = 0; i < std::size(kModeNames); ++i) {
        if (kModeNames[i] == name) return static_cast<AccessMode>(i);
    }
    return std::nullopt;
}

std::string_view AccessModeName(AccessMode mode) noexcept {
    const auto i = static_cast<std::size_t>(mode);
    return i < std::size(kModeNames) ? kModeNames[i] : "?";
}

std::optional<OnExhausted> ParseOnExhausted(std::string_view name) noexcept {
    for (std::size_t i = 0; i < std::size(kExhaustedNames); ++i) {
        if (kExhaustedNames[i] == name) return static_cast<OnExhausted>(i);
    }
    return std::nullopt;
}

std::string_view OnExhaustedName(OnExhausted o) noexcept {
    const auto i = static_cast<std::size_t>(o);
    return i < std::size(kExhaustedNames) ? kExhaustedNames[i] : "?";
}

std::int64_t Feeder::Next(int vu) noexcept {
    const std::uint64_t rows = table_->RowCount();
    if (rows == 0) return kNoRow;
    if (options_.mode == AccessMode::kPerVu) {
        const std::uint64_t index = vu > 0 ? static_cast<std::uint64_t>(vu - 1) : 0;
        return static_cast<std::int64_t>(index % rows);
    }
    const std::uint64_t n = next_.fetch_add(1, std::memory_order_relaxed);
    switch (options_.mode) {
        case AccessMode::kRandom:
            return static_cast<std::int64_t>(Mix(options_.seed ^ Mix(n)) % rows);
        case AccessMode::kUnique:
            if (n >= rows) {
                if (options_.on_exhausted == OnExhausted::kStop) return kNoRow;
                wrapped_.store(true, std::memory_order_relaxed);
            }
            return static_cast<std::int64_t>(n % rows);
        default:
            return static_cast<std::int64_t>(n % rows);
    }
}

bool Feeder::TakeWrapWarning() noexcept {
    if (!wrapped_.load(std::memory_order_relaxed)) return false;
    return !warned_.exchange(true, std::memory_order_relaxed);
}

}  // namespace lse::data
