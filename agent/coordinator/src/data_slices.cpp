#include "lse/coordinator/data_slices.hpp"

#include "lse/coordinator/shares.hpp"

namespace lse::coordinator {

std::pair<std::uint64_t, std::uint64_t> RowSlice(std::uint64_t rows, const std::vector<double>& capacities,
                                                 std::size_t agent) {
    if (agent >= capacities.size()) return {rows, rows};
    const std::vector<std::int64_t> counts = SplitCount(static_cast<std::int64_t>(rows), capacities);
    std::uint64_t first = 0;
    for (std::size_t i = 0; i < agent; ++i) first += static_cast<std::uint64_t>(counts[i]);
    return {first, first + static_cast<std::uint64_t>(counts[agent])};
}

std::vector<plan::DataFeed> SliceFeeds(const std::vector<plan::DataFeed>& feeds, const std::vector<double>& capacities,
                                       std::size_t agent) {
    std::vector<plan::DataFeed> out;
    out.reserve(feeds.size());
    for (const plan::DataFeed& whole : feeds) {
        const auto [first, end] = RowSlice(whole.table.RowCount(), capacities, agent);
        plan::DataFeed f;
        f.name = whole.name;
        f.options = whole.options;
        f.table = whole.table.Slice(first, end);
        f.first_row = whole.first_row + first;
        f.total_rows = whole.total_rows;
        out.push_back(std::move(f));
    }
    return out;
}

}  // namespace lse::coordinator
