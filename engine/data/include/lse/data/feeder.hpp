#pragma once
/// @file
/// Hands out a data table's rows to virtual users, as Gatling's feeders do. One Feeder per data file per run (or
/// per agent, over the agent's slice), shared by every worker thread: a draw is one relaxed atomic add, no lock.
///
///   per_vu      the row of the virtual user: (vu - 1) % rows, the same row every time
///   sequential  the next row at every draw, run-wide (exact across threads), starting over after the last
///   random      a row chosen by a seeded hash of the draw number (reproducible for a seed, thread-safe)
///   unique      each row at most once in the whole run; after the last: on_exhausted = stop (no row: the draw
///               fails) or wrap (start over, with one warning)

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "lse/data/data_table.hpp"

namespace lse::data {

enum class AccessMode : std::uint8_t { kPerVu, kSequential, kRandom, kUnique, kCount };
enum class OnExhausted : std::uint8_t { kStop, kWrap, kCount };

/// "per_vu", "sequential", "random", "unique" (and the reverse); nullopt for any other name.
std::optional<AccessMode> ParseAccessMode(std::string_view name) noexcept;
std::string_view AccessModeName(AccessMode mode) noexcept;
std::optional<OnExhausted> ParseOnExhausted(std::string_view name) noexcept;
std::string_view OnExhaustedName(OnExhausted o) noexcept;

struct FeederOptions {
    AccessMode mode = AccessMode::kSequential;
    OnExhausted on_exhausted = OnExhausted::kStop;
    std::uint64_t seed = 0;  ///< random mode
    bool operator==(const FeederOptions&) const = default;
};

class Feeder {
public:
    static constexpr std::int64_t kNoRow = -1;

    /// `name`: the file as the script named it (messages).
    Feeder(std::shared_ptr<const DataTable> table, FeederOptions options, std::string name = {})
        : table_(std::move(table)), options_(options), name_(std::move(name)) {}

    /// The row index for one draw by virtual user `vu` (1-based; 0 outside a virtual user counts as 1), or kNoRow
    /// when a unique feeder with on_exhausted = stop has handed out every row (or the table is empty).
    std::int64_t Next(int vu) noexcept;

    /// True exactly once: the first time a unique feeder with on_exhausted = wrap started over.
    bool TakeWrapWarning() noexcept;

    /// Draws taken so far (sequential, random, unique).
    std::uint64_t Draws() const noexcept { return next_.load(std::memory_order_relaxed); }

    const DataTable& Table() const noexcept { return *table_; }
    const std::shared_ptr<const DataTable>& SharedTable() const noexcept { return table_; }
    const FeederOptions& Options() const noexcept { return options_; }
    const std::string& Name() const noexcept { return name_; }

private:
    std::shared_ptr<const DataTable> table_;
    FeederOptions options_;
    std::string name_;
    std::atomic<std::uint64_t> next_{0};
    std::atomic<bool> wrapped_{false};
    std::atomic<bool> warned_{false};
};

}  // namespace lse::data
