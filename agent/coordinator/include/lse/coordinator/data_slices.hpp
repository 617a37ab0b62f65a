#pragma once
/// @file
/// Data files in distributed runs: each agent gets only its slice of every data feed's rows, so no two agents
/// draw the same row (unique and sequential are exact across agents) and an agent holds only what it uses.
/// Slices are contiguous blocks proportional to the agents' capacities (SplitCount: the same rule as virtual-user
/// blocks), in agent order: agent 0 the first rows, agent 1 the next ones, and so on.

#include <cstdint>
#include <utility>
#include <vector>

#include "lse/plan/plan.hpp"

namespace lse::coordinator {

/// Rows [first, second) of a `rows`-row feed that agent `agent` (index into `capacities`) gets. An agent with a
/// capacity of 0 gets an empty slice; so does any agent when there are fewer rows than agents with capacity.
std::pair<std::uint64_t, std::uint64_t> RowSlice(std::uint64_t rows, const std::vector<double>& capacities,
                                                 std::size_t agent);

/// `feeds` (whole files) cut to agent `agent`'s slices (DataFeed::first_row set, total_rows kept).
std::vector<plan::DataFeed> SliceFeeds(const std::vector<plan::DataFeed>& feeds, const std::vector<double>& capacities,
                                       std::size_t agent);

}  // namespace lse::coordinator
