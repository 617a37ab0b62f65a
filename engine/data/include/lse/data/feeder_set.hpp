#pragma once
/// @file
/// A run's data files: every worker thread runs the same script in its own lua_State, so the n-th
/// lsengine.data.csv/json call of the file's top level names the same data file in every state. The first state
/// to reach it loads the file (the others wait for it); every later one gets the same Feeder, so rows are held
/// once per process and sequential/unique draws are run-wide.

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lse/data/feeder.hpp"

namespace lse::data {

/// One declared data file.
struct DeclaredFeed {
    std::string name;  ///< the path as the script wrote it (messages, plans)
    std::string key;   ///< what identifies the declaration: resolved path and options
    std::shared_ptr<Feeder> feeder;
};

class FeederSet {
public:
    /// The feeder of declaration `index` (0-based, in the order of the script's calls). The first caller runs
    /// `load` (under the set's lock, so a file is read once); later callers get its feeder. Throws lse::UsageError
    /// when a later caller's key differs (a script whose top level declares different files in different states),
    /// and rethrows what `load` throws (the next caller then tries again).
    std::shared_ptr<Feeder> Declare(std::size_t index, const std::string& name, const std::string& key,
                                    const std::function<std::shared_ptr<Feeder>()>& load);

    /// Every declaration so far, by index (copies of the entries: the feeders are shared).
    std::vector<DeclaredFeed> Declared() const;

    /// A unique file with on_exhausted = stop ran out: the run starts no new iteration (runners ask Stopped()
    /// before each one: a relaxed atomic load).
    void Stop() noexcept { stopped_.store(true, std::memory_order_relaxed); }
    bool Stopped() const noexcept { return stopped_.load(std::memory_order_relaxed); }

private:
    std::atomic<bool> stopped_{false};
    mutable std::mutex mu_;
    std::vector<DeclaredFeed> feeds_;
};

}  // namespace lse::data
