#pragma once
/// @file
/// The run-wide `shared` table. Every worker thread has its own lua_State, so a
/// plain Lua table could not be shared; `shared` is a proxy whose reads and writes
/// go to this thread-safe store. Values are copied in and out: nil, booleans,
/// numbers, strings, and tables of those (nested, no cycles, no functions or
/// userdata: assigning one raises a Lua error naming the key).
///
/// Lua side (installed by ScriptState):
///   shared.key = value        -- store a copy
///   local v = shared.key      -- get a copy (nil if unset)
///   shared:incr(key [, n])    -- atomically add n (default 1) to a number (nil counts as 0); returns the new value
///   shared:once(key, fn)      -- if key is unset, the first caller runs fn() and stores its result;
///                             -- concurrent callers (any thread) wait until it is set; returns the value

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "lse/data/feeder_set.hpp"

namespace lse::lua {

/// A copied Lua value.
struct SharedValue {
    using Table = std::vector<std::pair<SharedValue, SharedValue>>;  // key, value pairs
    std::variant<std::monostate, bool, double, std::string, std::shared_ptr<const Table>> v;
};

class SharedStore {
public:
    SharedValue Get(const std::string& key) const;
    /// Stores a value (nil erases the key) and ends a pending once() for the key.
    void Set(const std::string& key, SharedValue value);
    /// Adds `by` to a number (unset counts as 0) and returns the new value. If the key holds a
    /// non-number, leaves it alone and returns NaN (the Lua proxy turns that into an error).
    double Incr(const std::string& key, double by);
    /// once() support: returns true if the caller must compute the value (it is now "in progress");
    /// false if it is set or being computed by someone else (poll Get / IsPending).
    bool BeginOnce(const std::string& key);
    bool IsPending(const std::string& key) const;
    /// Ends an in-progress once() without a value (fn failed): the next caller will try again.
    void AbandonOnce(const std::string& key);
    /// Run-wide counter behind lsengine.seq(): 1, 2, 3, ... across every thread sharing this store.
    std::int64_t NextSeq() noexcept { return seq_.fetch_add(1, std::memory_order_relaxed) + 1; }
    /// The run's data files (lsengine.data): loaded once, shared by every state that shares this store.
    data::FeederSet& Feeds() noexcept { return feeds_; }

private:
    mutable std::mutex mu_;
    std::map<std::string, SharedValue> values_;
    std::map<std::string, bool> pending_;
    std::atomic<std::int64_t> seq_{0};
    data::FeederSet feeds_;
};

}  // namespace lse::lua
