#include "shared_proxy.hpp"

#include <cmath>
#include <cstdio>
#include <lua.hpp>
#include <vector>

namespace lse::lua {
namespace {

constexpr int kMaxDepth = 100;

// once() is Lua code: fn() may make http calls (yield), and a C function cannot yield in
// LuaJIT, so the waiting loop and the call must live in Lua. Helpers are passed as arguments.
constexpr char kOnceSource[] = R"lua(
local begin_once, is_pending, abandon_once, get, set = ...
local pcall, error, type, tostring = pcall, error, type, tostring
return function(self, key, fn)
  if type(key) ~= "string" then error("shared:once(key, fn): key must be a string (use a colon: shared:once)", 2) end
  if type(fn) ~= "function" then error("shared:once('" .. key .. "', fn): fn must be a function", 2) end
  while true do
    local value = get(key)
    if value ~= nil then return value end
    if begin_once(key) then
      local ok, result = pcall(fn)
      if not ok then
        abandon_once(key)
        error(result, 0)
      end
      if result == nil then
        abandon_once(key)
        error("shared:once('" .. key .. "', fn): fn returned nil (return the value to share)", 2)
      end
      local stored, problem = pcall(set, key, result)
      if not stored then
        abandon_once(key)
        error(problem, 0)
      end
      return get(key)
    end
    if is_pending(key) then
      -- Another virtual user (maybe on another thread) is computing it: yield and poll.
      local sleep = sleep
      if type(sleep) ~= "function" then
        error("shared:once('" .. key .. "'): another caller is computing it and sleep() is not available here", 2)
      end
      sleep(0.005)
    end
  end
end
)lua";

SharedStore* StoreOf(lua_State* L) { return static_cast<SharedStore*>(lua_touserdata(L, lua_upvalueindex(1))); }

int Raise(lua_State* L, const std::string& message) {
    lua_pushlstring(L, message.data(), message.size());
    return -1;
}

bool IsMethodName(const std::string& key) { return key == "incr" || key == "once"; }

class Copier {
public:
    explicit Copier(lua_State* L) : L_(L) {}

    bool Copy(int index, const std::string& path, SharedValue* out) {
        if (index < 0) index = lua_gettop(L_) + index + 1;
        switch (lua_type(L_, index)) {
            case LUA_TNIL:
                out->v = std::monostate{};
                return true;
            case LUA_TBOOLEAN:
                out->v = lua_toboolean(L_, index) != 0;
                return true;
            case LUA_TNUMBER:
                out->v = static_cast<double>(lua_tonumber(L_, index));
                return true;
            case LUA_TSTRING: {
                size_t len = 0;
                const char* s = lua_tolstring(L_, index, &len);
                out->v = std::string(s, len);
                return true;
            }
            case LUA_TTABLE:
                return CopyTable(index, path, out);
            default:
                error = path + ": cannot share a " + std::string(luaL_typename(L_, index)) +
                        " (only nil, booleans, numbers, strings and tables of those)";
                return false;
        }
    }

    std::string error;

private:
    static std::string KeyPath(lua_State* L, int key, const std::string& parent) {
        if (lua_type(L, key) == LUA_TSTRING) return parent + "." + lua_tostring(L, key);
        if (lua_type(L, key) == LUA_TNUMBER) {
            char buf[64];
            std::snprintf(buf, sizeof(buf), "%.14g", lua_tonumber(L, key));
            return parent + "[" + buf + "]";
        }
        return parent + "[" + luaL_typename(L, key) + "]";
    }

    bool CopyTable(int index, const std::string& path, SharedValue* out) {
        const void* id = lua_topointer(L_, index);
        for (const void* open : open_) {
            if (open == id) {
                error = path + ": cannot share a table that contains itself (cycle)";
                return false;
            }
        }
        if (open_.size() >= kMaxDepth) {
            error = path + ": nesting too deep";
            return false;
        }
        lua_checkstack(L_, 6);
        open_.push_back(id);
        auto table = std::make_shared<SharedValue::Table>();
        lua_pushnil(L_);
        while (lua_next(L_, index) != 0) {
            std::string child = KeyPath(L_, -2, path);
            SharedValue key, value;
            if (lua_type(L_, -2) == LUA_TTABLE) {
                lua_pop(L_, 2);
                error = child + ": table keys must be strings, numbers or booleans";
                return false;
            }
            if (!Copy(-2, child, &key) || !Copy(-1, child, &value)) {
                lua_pop(L_, 2);
                return false;
            }
            table->emplace_back(std::move(key), std::move(value));
            lua_pop(L_, 1);
        }
        open_.pop_back();
        out->v = std::shared_ptr<const SharedValue::Table>(std::move(table));
        return true;
    }

    lua_State* L_;
    std::vector<const void*> open_;
};

// Checks the key argument at `index`; returns false with a message pushed.
bool KeyArg(lua_State* L, int index, const char* what, std::string* key) {
    if (lua_type(L, index) != LUA_TSTRING) {
        std::string msg = std::string(what) + ": keys must be strings (got a " + luaL_typename(L, index) + ")";
        lua_pushlstring(L, msg.data(), msg.size());
        return false;
    }
    *key = lua_tostring(L, index);
    return true;
}

int IndexImpl(lua_State* L) {  // __index(t, k)
    std::string key;
    if (!KeyArg(L, 2, "shared", &key)) return -1;
    if (IsMethodName(key)) {
        lua_getmetatable(L, 1);
        lua_getfield(L, -1, key == "incr" ? "__lse_incr" : "__lse_once");
        return 1;
    }
    PushSharedValue(L, StoreOf(L)->Get(key));
    return 1;
}
int LuaIndex(lua_State* L) {
    int n = IndexImpl(L);
    return n < 0 ? lua_error(L) : n;
}

int GetImpl(lua_State* L) {  // get(k), for once()
    std::string key;
    if (!KeyArg(L, 1, "shared", &key)) return -1;
    PushSharedValue(L, StoreOf(L)->Get(key));
    return 1;
}
int LuaGet(lua_State* L) {
    int n = GetImpl(L);
    return n < 0 ? lua_error(L) : n;
}

int SetValue(lua_State* L, int key_index, int value_index) {
    std::string key;
    if (!KeyArg(L, key_index, "shared", &key)) return -1;
    if (IsMethodName(key)) return Raise(L, "shared." + key + " is a method of shared; pick another key");
    Copier copier(L);
    SharedValue value;
    if (!copier.Copy(value_index, "shared." + key, &value)) return Raise(L, copier.error);
    StoreOf(L)->Set(key, std::move(value));
    return 0;
}
int LuaNewIndex(lua_State* L) {  // __newindex(t, k, v)
    int n = SetValue(L, 2, 3);
    return n < 0 ? lua_error(L) : n;
}
int LuaSet(lua_State* L) {  // set(k, v), for once()
    int n = SetValue(L, 1, 2);
    return n < 0 ? lua_error(L) : n;
}

int IncrImpl(lua_State* L) {  // shared:incr(key [, n])
    if (!lua_istable(L, 1)) return Raise(L, "use a colon: shared:incr(key [, n])");
    std::string key;
    if (!KeyArg(L, 2, "shared:incr(key [, n])", &key)) return -1;
    double by = 1;
    if (!lua_isnoneornil(L, 3)) {
        if (lua_type(L, 3) != LUA_TNUMBER) return Raise(L, "shared:incr('" + key + "', n): n must be a number");
        by = lua_tonumber(L, 3);
    }
    double value = StoreOf(L)->Incr(key, by);
    if (std::isnan(value)) return Raise(L, "shared:incr('" + key + "'): shared." + key + " is not a number");
    lua_pushnumber(L, value);
    return 1;
}
int LuaIncr(lua_State* L) {
    int n = IncrImpl(L);
    return n < 0 ? lua_error(L) : n;
}

int OnceHelperImpl(lua_State* L, int which) {
    std::string key;
    if (!KeyArg(L, 1, "shared:once(key, fn)", &key)) return -1;
    SharedStore* store = StoreOf(L);
    if (which == 0) lua_pushboolean(L, store->BeginOnce(key) ? 1 : 0);
    if (which == 1) lua_pushboolean(L, store->IsPending(key) ? 1 : 0);
    if (which == 2) store->AbandonOnce(key);
    return which == 2 ? 0 : 1;
}
int LuaBeginOnce(lua_State* L) {
    int n = OnceHelperImpl(L, 0);
    return n < 0 ? lua_error(L) : n;
}
int LuaIsPending(lua_State* L) {
    int n = OnceHelperImpl(L, 1);
    return n < 0 ? lua_error(L) : n;
}
int LuaAbandonOnce(lua_State* L) {
    int n = OnceHelperImpl(L, 2);
    return n < 0 ? lua_error(L) : n;
}

void PushStoreClosure(lua_State* L, SharedStore* store, lua_CFunction fn) {
    lua_pushlightuserdata(L, store);
    lua_pushcclosure(L, fn, 1);
}

void PushValueImpl(lua_State* L, const SharedValue& value) {
    if (std::holds_alternative<std::monostate>(value.v)) {
        lua_pushnil(L);
    } else if (const bool* b = std::get_if<bool>(&value.v)) {
        lua_pushboolean(L, *b ? 1 : 0);
    } else if (const double* d = std::get_if<double>(&value.v)) {
        lua_pushnumber(L, *d);
    } else if (const std::string* s = std::get_if<std::string>(&value.v)) {
        lua_pushlstring(L, s->data(), s->size());
    } else {
        const auto& table = *std::get<std::shared_ptr<const SharedValue::Table>>(value.v);
        lua_checkstack(L, 4);
        lua_createtable(L, 0, static_cast<int>(table.size()));
        for (const auto& [k, v] : table) {
            PushValueImpl(L, k);
            PushValueImpl(L, v);
            lua_rawset(L, -3);
        }
    }
}

}  // namespace

bool ToSharedValue(lua_State* L, int index, const std::string& path, SharedValue* out, std::string* error) {
    Copier copier(L);
    if (copier.Copy(index, path, out)) return true;
    *error = copier.error;
    return false;
}

void PushSharedValue(lua_State* L, const SharedValue& value) { PushValueImpl(L, value); }

void InstallSharedGlobal(lua_State* L, SharedStore* store) {
    lua_newtable(L);  // the proxy: always empty, so every access goes through the metatable
    lua_createtable(L, 0, 6);
    PushStoreClosure(L, store, LuaIndex);
    lua_setfield(L, -2, "__index");
    PushStoreClosure(L, store, LuaNewIndex);
    lua_setfield(L, -2, "__newindex");
    PushStoreClosure(L, store, LuaIncr);
    lua_setfield(L, -2, "__lse_incr");
    if (luaL_loadbuffer(L, kOnceSource, sizeof(kOnceSource) - 1, "=shared:once") != 0) {
        lua_error(L);  // a bug in the embedded source; only at install time
    }
    PushStoreClosure(L, store, LuaBeginOnce);
    PushStoreClosure(L, store, LuaIsPending);
    PushStoreClosure(L, store, LuaAbandonOnce);
    PushStoreClosure(L, store, LuaGet);
    PushStoreClosure(L, store, LuaSet);
    lua_call(L, 5, 1);
    lua_setfield(L, -2, "__lse_once");
    lua_pushstring(L, "shared");
    lua_setfield(L, -2, "__metatable");  // getmetatable(shared) does not expose the internals
    lua_setmetatable(L, -2);
    lua_setglobal(L, "shared");
}

}  // namespace lse::lua
