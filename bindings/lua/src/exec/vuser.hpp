#pragma once
/// @file
/// One virtual user as the engine keeps it: a coroutine (created on first use, reused
/// after every clean finish, replaced after an error), a `self` table in the registry,
/// a cookie jar, and the state of its current run. About 100 bytes of C++ plus the Lua
/// thread and table (see tests/lua/vuser_memory_test.cpp for the measured total).

#include <cstdint>

#include "lse/http/cookie_jar.hpp"
#include "lse/core/error_kind.hpp"

struct lua_State;

namespace lse::lua {

struct PendingRequest;

/// What a virtual user runs. Requests made in any phase but kTask are kept out of the totals.
enum class Phase : std::uint8_t { kSetup, kOnStart, kTask, kOnStop, kTeardown, kCount };

struct Vu {
    int id = 0;     ///< self.id: 1-based, unique across the run; 0 for setup/teardown
    int index = 0;  ///< position in this engine

    lua_State* co = nullptr;  ///< null until first run and after a failed one
    int co_ref = -2;          ///< LUA_NOREF
    int self_ref = -2;

    Phase phase = Phase::kTask;
    int task = -1;              ///< task index while phase == kTask
    int group = 0;              ///< the group() it is in: ScenarioEngine's group id (0: none); reset by Start
    bool busy = false;          ///< a run is in progress
    bool prepared = false;      ///< on_start succeeded (or there is none)
    bool broken = false;        ///< on_start failed: never runs tasks
    bool sleeping = false;
    bool waiting_request = false;
    std::uint32_t sleep_seq = 0;     ///< invalidates stale timer-heap entries
    ErrorKind failure = ErrorKind::kNone;  ///< first failure of the current run
    std::uint16_t failed_status = 0;       ///< the status when that first failure was kStatus (messages)
    std::int64_t started_ns = 0;
    std::int64_t intended_ns = 0;
    PendingRequest* request = nullptr;  ///< in flight, if any
    http::CookieJar jar;
};

}  // namespace lse::lua
