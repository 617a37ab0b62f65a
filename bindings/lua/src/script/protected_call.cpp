#include "protected_call.hpp"

#include <cstring>

extern "C" {
#include <lauxlib.h>
}

#include "lse/core/redact.hpp"

namespace lse::lua {

void RaiseLuaError(lua_State* L, std::string_view message) {
    luaL_where(L, 1);
    lua_pushlstring(L, message.data(), message.size());
    lua_concat(L, 2);
    lua_error(L);
    __builtin_unreachable();
}

namespace detail {
void CopyMessage(const std::exception& e, char* buffer, std::size_t size) noexcept {
    std::snprintf(buffer, size, "%s", e.what());
}
}  // namespace detail

std::string DescribeFailure(lua_State* main, lua_State* co) {
    std::string message;
    if (lua_isstring(co, -1)) {
        size_t len = 0;
        const char* s = lua_tolstring(co, -1, &len);
        message.assign(s, len);
    } else if (lua_isnil(co, -1)) {
        message = "error(nil)";
    } else {
        // error({...}) or error(some_object): say what it was rather than printing nothing.
        message = std::string("error object is a ") + luaL_typename(co, -1);
    }
    luaL_traceback(main, co, nullptr, 0);
    size_t len = 0;
    const char* tb = lua_tolstring(main, -1, &len);
    if (tb != nullptr && len > 0) {
        message += '\n';
        message.append(tb, len);
    }
    lua_pop(main, 1);
    return message;
}

std::string_view FirstLine(std::string_view text) noexcept {
    const size_t nl = text.find('\n');
    return nl == std::string_view::npos ? text : text.substr(0, nl);
}

void ErrorLog::Add(std::string_view context, const std::string& description) {
    ++total_;
    std::string key(FirstLine(description));
    auto it = counts_.find(key);
    if (it != counts_.end()) {
        ++it->second;
        return;
    }
    if (static_cast<int>(counts_.size()) >= kMaxDistinct) {
        ++unshown_distinct_;
        ++unshown_total_;
        return;
    }
    counts_.emplace(std::move(key), 1);
    if (out_ != nullptr) {
        std::fprintf(out_, "lsengine: script error in %.*s: %s\n", static_cast<int>(context.size()), context.data(),
                     RedactSecretValues(description).c_str());
    }
}

void ErrorLog::PrintSummary() {
    if (summarised_ || out_ == nullptr) return;
    summarised_ = true;
    for (const auto& [line, count] : counts_) {
        if (count > 1) {
            std::fprintf(out_, "lsengine: script error repeated %d times: %s\n", count,
                         RedactSecretValues(line).c_str());
        }
    }
    if (unshown_distinct_ > 0) {
        std::fprintf(out_, "lsengine: %d more distinct script errors (%d occurrences) not shown\n", unshown_distinct_,
                     unshown_total_);
    }
}

}  // namespace lse::lua
