#pragma once
/// @file
/// Keeping C++ and Lua errors apart. LuaJIT raises Lua errors by unwinding, so a C++
/// exception must never cross a Lua frame and a Lua error must never be swallowed by a
/// C++ catch(...). Every lua_CFunction of the binding is registered through Guarded<>,
/// which turns std::exception into a Lua error raised after the C++ frames are gone.
/// Script failures are formatted with a traceback and logged once per distinct message.

#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <string_view>

extern "C" {
#include <lua.h>
}

namespace lse::lua {

/// Raises a Lua error with `message` prefixed by the calling Lua line ("file.lua:12: ").
[[noreturn]] void RaiseLuaError(lua_State* L, std::string_view message);

namespace detail {
/// Copies e.what() into a bounded buffer so that the exception object is gone before luaL_error unwinds.
void CopyMessage(const std::exception& e, char* buffer, std::size_t size) noexcept;
}  // namespace detail

/// Wraps a C function body: std::exception -> Lua error naming the caller's file:line. Anything
/// else (including LuaJIT's own error unwinding) passes through untouched.
template <int (*F)(lua_State*)>
int Guarded(lua_State* L) {
    char message[1024];
    try {
        return F(L);
    } catch (const std::exception& e) {
        detail::CopyMessage(e, message, sizeof(message));
    }
    RaiseLuaError(L, message);
}

/// The error on top of `co` (a coroutine that failed) as "file.lua:LINE: message" followed by
/// the coroutine's traceback. Leaves the stack unchanged.
std::string DescribeFailure(lua_State* main, lua_State* co);

/// First line of an error description (without the traceback): the de-duplication key.
std::string_view FirstLine(std::string_view text) noexcept;

/// Script errors of one runner: the first kMaxDistinct distinct messages are printed to stderr
/// when first seen; later repeats only count. PrintSummary reports the repeat counts once.
class ErrorLog {
public:
    static constexpr int kMaxDistinct = 10;

    explicit ErrorLog(std::FILE* out = stderr) : out_(out) {}
    /// Counts `description` under `context` (e.g. "task 'browse'"); prints it the first time.
    void Add(std::string_view context, const std::string& description);
    /// Prints "N more times" lines for repeated messages and how many distinct ones were not shown.
    void PrintSummary();
    /// nullptr: count silently (lifecycle collects messages itself).
    void SetOutput(std::FILE* out) noexcept { out_ = out; }
    int Total() const noexcept { return total_; }
    int Distinct() const noexcept { return static_cast<int>(counts_.size()) + unshown_distinct_; }

private:
    std::FILE* out_;
    std::map<std::string, int> counts_;  // first line -> occurrences (only the shown ones)
    int unshown_distinct_ = 0;
    int unshown_total_ = 0;
    int total_ = 0;
    bool summarised_ = false;
};

}  // namespace lse::lua
