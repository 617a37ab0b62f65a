#include "request_options.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>
#include <vector>

extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include "lse/core/clock.hpp"
#include "lse/core/did_you_mean.hpp"
#include "lse/core/errors.hpp"
#include "lse/core/units.hpp"
#include "lse/http/redirect.hpp"
#include "lse/http/content_decoding.hpp"
#include "lse/lua/lua_json.hpp"
#include "lse/lua/url_encode.hpp"
#include "load_context.hpp"
#include "plan_capture_templates.hpp"
#include "response_values.hpp"
#include "tags_option.hpp"

namespace lse::lua {
namespace {

[[noreturn]] void Fail(std::string_view fn, const std::string& what) {
    throw std::runtime_error(std::string(fn) + ": " + what);
}

bool HasHeader(const http::HeaderList& headers, std::string_view name) {
    return std::any_of(headers.begin(), headers.end(), [&](const auto& h) { return http::HeaderNameEquals(h.first, name); });
}

std::string ScalarToString(lua_State* L, int idx) {
    size_t len = 0;
    const char* s = lua_tolstring(L, idx, &len);  // numbers convert in place on a copy below
    return std::string(s, len);
}

std::string_view ScalarView(lua_State* L, int idx) {
    size_t len = 0;
    const char* s = lua_tolstring(L, idx, &len);
    return std::string_view(s, len);
}

bool InCaptureMode(lua_State* L) {
    const detail::LoadContext* ctx = detail::GetContext(L);
    return ctx != nullptr && ctx->capture_mode;
}

// A response value of capture mode (capture/response_values.hpp) as the text that stands for it. Throws with the
// reason when it cannot be used here.
std::string ResponseValueText(lua_State* L, int idx, std::string_view what) {
    std::string text;
    std::string error;
    if (!capture::ValueText(L, idx, capture::ValueUse::kText, &text, &error)) {
        throw std::runtime_error(std::string(what) + ": " + error);
    }
    return text;
}

// A header list refilled for every request of a reused spec: the first *used slots are this
// request's; slots past them keep their strings' capacity for the next request (no allocation
// once a script's headers have been seen once).
struct HeaderFill {
    http::HeaderList* list;
    size_t used = 0;

    void Put(std::string_view name, std::string_view value) {
        if (used == list->size()) list->emplace_back();
        auto& slot = (*list)[used++];
        slot.first.assign(name);
        slot.second.assign(value);
    }
    void Finish() { list->resize(used); }
};

// The option handlers below throw std::runtime_error("option '...': ...") for a bad value, leaving the stack as it
// is: ReadRequestArgs's one guard restores it and names the function.

void ReadHeaders(lua_State* L, int idx, HeaderFill* out) {
    if (!lua_istable(L, idx)) throw std::runtime_error(std::string("option 'headers' must be a table, got ") + luaL_typename(L, idx));
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING) throw std::runtime_error("option 'headers': header names must be strings");
        const std::string_view name = ScalarView(L, -2);  // a string key: stays on the stack below
        const int t = lua_type(L, -1);
        if (capture::IsCdata(L, -1)) {
            out->Put(name, ResponseValueText(L, -1, "option 'headers': value of '" + std::string(name) + "'"));
            lua_pop(L, 1);
            continue;
        }
        if (t != LUA_TSTRING && t != LUA_TNUMBER) {
            throw std::runtime_error("option 'headers': value of '" + std::string(name) +
                                     "' must be a string or number, got " + luaL_typename(L, -1));
        }
        lua_pushvalue(L, -1);  // lua_tolstring converts numbers in place: convert a copy, not the value
        out->Put(name, ScalarView(L, -1));
        lua_pop(L, 2);
    }
    // lua_next order is unspecified: sort for deterministic wire bytes and captures.
    std::sort(out->list->begin(), out->list->begin() + static_cast<std::ptrdiff_t>(out->used));
}

// What reading one request's options fills besides the spec's own fields.
struct OptionContext {
    lua_State* L;
    int value;  // stack index of the option's value
    RequestSpec* out;
    HeaderFill* headers;
    std::string* explicit_name;
    std::string* query;
    int body_sources = 0;
    bool files = false;  // the `files` option set Content-Type (multipart/form-data; boundary=...)
};

void ReadTableOption(OptionContext& c, std::string_view option, std::string* into) {
    if (!lua_istable(c.L, c.value)) throw std::runtime_error("option '" + std::string(option) + "' must be a table");
    std::string error;
    if (!EncodeTable(c.L, c.value, into, &error)) throw std::runtime_error("option '" + std::string(option) + "': " + error);
    // The encoder percent-encoded the response values of capture mode too: the agent must do the same.
    if (capture::HasPlaceholder(*into) && InCaptureMode(c.L)) capture::MarkPercentEncoded(into);
}

void HeadersOption(OptionContext& c) { ReadHeaders(c.L, c.value, c.headers); }

void JsonOption(OptionContext& c) {
    std::string error;
    if (!EncodeJson(c.L, c.value, &c.out->body, &error)) throw std::runtime_error("option 'json': " + error);
    c.headers->Put("Content-Type", "application/json");
    ++c.body_sources;
}

void BodyOption(OptionContext& c) {
    if (capture::IsCdata(c.L, c.value)) {
        c.out->body = ResponseValueText(c.L, c.value, "option 'body'");
        ++c.body_sources;
        return;
    }
    if (lua_type(c.L, c.value) != LUA_TSTRING) {
        throw std::runtime_error(std::string("option 'body' must be a string, got ") + luaL_typename(c.L, c.value));
    }
    c.out->body = ScalarToString(c.L, c.value);
    ++c.body_sources;
}

void FormOption(OptionContext& c) {
    ReadTableOption(c, "form", &c.out->body);
    c.headers->Put("Content-Type", "application/x-www-form-urlencoded");
    ++c.body_sources;
}

void QueryOption(OptionContext& c) { ReadTableOption(c, "query", c.query); }

void NameOption(OptionContext& c) {
    if (lua_type(c.L, c.value) != LUA_TSTRING) throw std::runtime_error("option 'name' must be a string");
    *c.explicit_name = ScalarToString(c.L, c.value);
    if (c.explicit_name->empty()) throw std::runtime_error("option 'name' must not be empty");
}

void TimeoutOption(OptionContext& c) {
    c.out->timeout_ns = ReadDurationArg(c.L, c.value, "option 'timeout'");
    if (c.out->timeout_ns <= 0) throw std::runtime_error("option 'timeout' must be positive");
}

void ExpectOption(OptionContext& c) {
    lua_State* L = c.L;
    runtime::StatusSet& expect = c.out->expect;
    c.out->has_expect = true;
    expect = runtime::StatusSet();
    switch (lua_type(L, c.value)) {
        case LUA_TNUMBER:
            expect.Add(static_cast<int>(lua_tonumber(L, c.value)));
            return;
        case LUA_TSTRING:
            expect = runtime::StatusSet::Parse(ScalarToString(L, c.value), "option 'expect'");
            return;
        case LUA_TTABLE: {
            const int n = static_cast<int>(lua_objlen(L, c.value));
            if (n == 0) throw std::runtime_error("option 'expect': empty list");
            for (int i = 1; i <= n; ++i) {
                lua_rawgeti(L, c.value, i);
                if (lua_type(L, -1) != LUA_TNUMBER) {
                    throw std::runtime_error("option 'expect': list entries must be status numbers");
                }
                expect.Add(static_cast<int>(lua_tonumber(L, -1)));
                lua_pop(L, 1);
            }
            return;
        }
        default:
            throw std::runtime_error(
                std::string("option 'expect' must be a status number, a list of them or a string like \"2xx,404\", got ") +
                luaL_typename(L, c.value));
    }
}

void RedirectsOption(OptionContext& c) {
    const double n = lua_type(c.L, c.value) == LUA_TNUMBER ? lua_tonumber(c.L, c.value) : -1;
    if (n < 0 || n > http::kMaxRedirectsLimit || n != std::floor(n)) {
        throw std::runtime_error("option 'redirects' must be an integer from 0 (do not follow) to " +
                                 std::to_string(http::kMaxRedirectsLimit) + ", got " +
                                 (lua_type(c.L, c.value) == LUA_TNUMBER ? ScalarToString(c.L, c.value)
                                                                        : std::string(luaL_typename(c.L, c.value))));
    }
    c.out->max_redirects = static_cast<int>(n);
}

void CompressionOption(OptionContext& c) {
    if (lua_type(c.L, c.value) != LUA_TBOOLEAN) {
        throw std::runtime_error(std::string("option 'compression' must be true or false, got ") +
                                 luaL_typename(c.L, c.value));
    }
    c.out->compression = lua_toboolean(c.L, c.value) != 0;
}

void TagsOption(OptionContext& c) { ReadTagsTable(c.L, c.value, "option 'tags'", &c.out->tag_pairs); }

// The script's directory + a file part's path (absolute paths as given), into a reused string.
void ResolveScriptRelative(lua_State* L, std::string_view path, std::string* out) {
    out->clear();
    const detail::LoadContext* ctx = detail::GetContext(L);
    if (path.front() != '/' && ctx != nullptr) {
        const auto slash = ctx->path.find_last_of('/');
        if (slash != std::string::npos) out->assign(ctx->path, 0, slash + 1);
    }
    out->append(path);
}

// One file part: { path = "a.png" | content = "...", filename = "a.png", content_type = "image/png" } at idx.
void ReadFilePart(lua_State* L, int idx, http::MultipartPart* part) {
    static const std::vector<std::string> kKeys = {"path", "content", "filename", "content_type"};
    const auto where = [part] { return "option 'files': field '" + part->name + "'"; };  // error paths only
    bool has_path = false;
    bool has_content = false;
    bool has_filename = false;
    thread_local std::string resolved;  // capacity kept across requests
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            throw std::runtime_error(where() + ": keys must be strings (path, content, filename, content_type)");
        }
        const std::string_view key = ScalarView(L, -2);
        if (lua_type(L, -1) != LUA_TSTRING) {
            throw std::runtime_error(where() + ": '" + std::string(key) + "' must be a string, got " +
                                     luaL_typename(L, -1));
        }
        const std::string_view value = ScalarView(L, -1);
        if (key == "path") {
            if (value.empty()) throw std::runtime_error(where() + ": 'path' is empty");
            ResolveScriptRelative(L, value, &resolved);
            try {
                part->file = http::UploadFileCache::Process().Get(resolved);
            } catch (const std::exception& e) {
                throw std::runtime_error(where() + ": " + e.what());
            }
            if (!has_filename) part->filename.assign(value.substr(value.find_last_of('/') + 1));
            has_path = true;
        } else if (key == "content") {
            part->value.assign(value);
            has_content = true;
        } else if (key == "filename") {
            part->filename.assign(value);
            has_filename = true;
        } else if (key == "content_type") {
            part->content_type.assign(value);
        } else {
            const std::string hint = DidYouMeanSuffix(key, kKeys);
            throw std::runtime_error(where() + ": unknown key '" + std::string(key) + "'" +
                                     (hint.empty() ? " (keys: path, content, filename, content_type)" : hint));
        }
        lua_pop(L, 1);
    }
    if (has_path == has_content) {
        throw std::runtime_error(where() + ": a file part needs exactly one of 'path' (a file, relative to the "
                                           "script) or 'content' (the bytes), e.g. { path = \"avatar.png\", "
                                           "content_type = \"image/png\" }");
    }
    if (has_content && !has_filename) part->filename.assign(part->name);
    if (part->content_type.empty()) part->content_type.assign("application/octet-stream");
}

// One part named `name` from the value at idx: a string or number is a plain field, a table a file part.
void ReadPart(lua_State* L, int idx, std::string_view name, http::MultipartPart* part) {
    part->name.assign(name);
    part->is_file = false;
    part->filename.clear();
    part->content_type.clear();
    part->value.clear();
    part->file.reset();
    const int t = lua_type(L, idx);
    if (capture::IsCdata(L, idx)) {
        part->value = ResponseValueText(L, idx, "option 'files': field '" + part->name + "'");
    } else if (t == LUA_TSTRING || t == LUA_TNUMBER) {
        lua_pushvalue(L, idx);  // convert a copy: lua_tolstring changes numbers in place
        part->value.assign(ScalarView(L, -1));
        lua_pop(L, 1);
    } else if (t == LUA_TTABLE) {
        part->is_file = true;
        ReadFilePart(L, idx, part);
    } else {
        throw std::runtime_error("option 'files': field '" + part->name +
                                 "' must be a string (a field), a table (a file part) or a list of them, got " +
                                 luaL_typename(L, idx));
    }
}

http::MultipartPart& NextPart(std::vector<http::MultipartPart>* parts, std::size_t* used) {
    if (*used == parts->size()) parts->emplace_back();
    return (*parts)[(*used)++];
}

// `files`: a multipart/form-data body (RFC 7578). Strings and numbers are plain fields, tables file parts, a list
// of them several parts of one name (<input type="file" multiple>). Parts go in name order, a list's in list order:
// lua_next's order is unspecified, and sorting gives the same bytes on every request and capture.
void FilesOption(OptionContext& c) {
    lua_State* L = c.L;
    if (!lua_istable(L, c.value)) {
        throw std::runtime_error(std::string("option 'files' must be a table of fields, got ") +
                                 luaL_typename(L, c.value));
    }
    RequestSpec* out = c.out;
    std::vector<http::MultipartPart>& parts = out->multipart_parts;
    std::size_t used = 0;
    lua_pushnil(L);
    while (lua_next(L, c.value) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING) throw std::runtime_error("option 'files': field names must be strings");
        const std::string_view name = ScalarView(L, -2);  // a string key: stays on the stack
        const int value = lua_gettop(L);
        const int n = lua_istable(L, value) ? static_cast<int>(lua_objlen(L, value)) : 0;
        if (n == 0) {
            ReadPart(L, value, name, &NextPart(&parts, &used));
        } else {
            int entries = 0;
            lua_pushnil(L);
            while (lua_next(L, value) != 0) {
                ++entries;
                lua_pop(L, 1);
            }
            if (entries != n) {
                throw std::runtime_error("option 'files': field '" + std::string(name) +
                                         "': a list of parts takes list entries only, e.g. { { path = \"a.png\" }, "
                                         "{ path = \"b.png\" } }");
            }
            for (int i = 1; i <= n; ++i) {
                lua_rawgeti(L, value, i);
                if (lua_type(L, -1) == LUA_TTABLE && lua_objlen(L, -1) > 0) {
                    throw std::runtime_error("option 'files': field '" + std::string(name) +
                                             "': a list of parts holds fields and file parts, not lists");
                }
                ReadPart(L, lua_gettop(L), name, &NextPart(&parts, &used));
                lua_pop(L, 1);
            }
        }
        lua_settop(L, value - 1);  // keep the key for lua_next
    }
    // Insertion sort: stable (a list keeps its order) and allocation-free, for the few parts of a form.
    for (std::size_t i = 1; i < used; ++i) {
        for (std::size_t j = i; j > 0 && parts[j].name < parts[j - 1].name; --j) std::swap(parts[j], parts[j - 1]);
    }
    out->multipart_used = used;
    try {
        http::BuildMultipartBody(parts, used, &out->body, &out->multipart_content_type);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(std::string("option 'files': ") + e.what());
    }
    c.headers->Put("Content-Type", out->multipart_content_type);
    c.files = true;
    ++c.body_sources;
}

struct OptionHandler {
    std::string_view name;
    void (*read)(OptionContext&);
};

// Every request option, in the order the "options: ..." message lists them.
constexpr OptionHandler kOptions[] = {{"headers", HeadersOption}, {"json", JsonOption},     {"body", BodyOption},
                                      {"form", FormOption},       {"query", QueryOption},   {"name", NameOption},
                                      {"timeout", TimeoutOption}, {"expect", ExpectOption},
                                      {"redirects", RedirectsOption}, {"compression", CompressionOption},
                                      {"files", FilesOption}, {"tags", TagsOption}};

std::string UnknownOptionMessage(std::string_view key) {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const OptionHandler& o : kOptions) out.emplace_back(o.name);
        return out;
    }();
    std::string hint = DidYouMeanSuffix(key, names);
    if (hint.empty()) {
        hint = " (options:";
        for (const OptionHandler& o : kOptions) hint += std::string(&o == kOptions ? " " : ", ") + std::string(o.name);
        hint += ")";
    }
    return "unknown option '" + std::string(key) + "'" + hint;
}

// Reads the options table at opts_idx into *c (each key through its handler). Throws std::runtime_error with the
// first problem; the stack may then hold leftovers, which the caller drops.
void ReadOptions(lua_State* L, int opts_idx, OptionContext* c) {
    lua_pushnil(L);
    while (lua_next(L, opts_idx) != 0) {  // key at -2, value at -1
        if (lua_type(L, -2) != LUA_TSTRING) throw std::runtime_error("options must have string keys");
        const std::string_view key = ScalarView(L, -2);  // a string key: stays on the stack
        const OptionHandler* handler = nullptr;
        for (const OptionHandler& o : kOptions) {
            if (o.name == key) handler = &o;
        }
        if (handler == nullptr) throw std::runtime_error(UnknownOptionMessage(key));
        c->value = lua_gettop(L);
        handler->read(*c);
        lua_settop(L, c->value - 1);  // keep the key for lua_next
    }
}

}  // namespace

void ResolveRequestUrlInto(std::string_view path, const http::Url& target, std::string_view fn, http::Url* out) {
    if (path.rfind("http://", 0) == 0 || path.rfind("https://", 0) == 0) {
        try {
            *out = http::ParseUrl(path);
        } catch (const std::exception& e) {
            Fail(fn, std::string("argument #1 (path): ") + e.what());
        }
        return;
    }
    if (path.empty()) Fail(fn, "argument #1 (path) is empty");
    if (path.find("://") != std::string_view::npos) {
        Fail(fn, "argument #1 (path) '" + std::string(path) + "' must be a path (\"/api/x\") or an http(s) URL");
    }
    for (char c : path) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
            Fail(fn, "argument #1 (path) '" + std::string(path) + "' contains whitespace or control characters");
        }
    }
    if (target.origin.host.empty()) {
        Fail(fn, "argument #1 (path) '" + std::string(path) + "' is relative but no target URL was given (--target)");
    }
    // Assignments, not a fresh Url: a reused *out keeps its string capacity (one request per call).
    out->origin.tls = target.origin.tls;
    out->origin.host.assign(target.origin.host);
    out->origin.port = target.origin.port;
    std::string_view base = target.path_and_query;
    base = base.substr(0, base.find('?'));
    while (!base.empty() && base.back() == '/') base.remove_suffix(1);
    out->path_and_query.assign(base);
    if (path.front() != '/') out->path_and_query += '/';
    out->path_and_query.append(path);
}

http::Url ResolveRequestUrl(std::string_view path, const http::Url& target, std::string_view fn) {
    http::Url url;
    ResolveRequestUrlInto(path, target, fn, &url);
    return url;
}

std::int64_t ReadDurationArg(lua_State* L, int idx, std::string_view what) {
    const int t = lua_type(L, idx);
    if (t == LUA_TNUMBER) {
        const double seconds = lua_tonumber(L, idx);
        if (!std::isfinite(seconds) || seconds < 0) {
            throw std::runtime_error(std::string(what) + " must be a non-negative number of seconds");
        }
        return static_cast<std::int64_t>(std::llround(seconds * static_cast<double>(kNsPerSec)));
    }
    if (t == LUA_TSTRING) {
        size_t len = 0;
        const char* s = lua_tolstring(L, idx, &len);
        std::int64_t ns = 0;
        std::string error;
        if (!TryParseDurationNs(std::string_view(s, len), 0, &ns, &error) || ns < 0) {
            throw std::runtime_error(std::string(what) + ": invalid duration '" + std::string(s, len) + "'" +
                                     (error.empty() ? "" : " (" + error + ")"));
        }
        return ns;
    }
    throw std::runtime_error(std::string(what) + " must be a number of seconds or a duration string like \"500ms\", got " +
                             luaL_typename(L, idx));
}

void ReadRequestArgs(lua_State* L, int path_idx, int opts_idx, const http::Url& target, std::string_view fn,
                     RequestSpec* out, bool compression, std::string_view scenario_tags) {
    std::string value_path;  // capture mode: the path is a response value (http:get(r.headers["location"]))
    if (capture::IsCdata(L, path_idx)) {
        value_path = ResponseValueText(L, path_idx, std::string(fn) + ": argument #1 (path)");
    } else if (lua_type(L, path_idx) != LUA_TSTRING) {
        Fail(fn, std::string("argument #1 (path) must be a string, got ") + luaL_typename(L, path_idx));
    }
    // *out may be a reused spec: reset every field, keeping string and vector capacity.
    HeaderFill headers{&out->headers};
    out->body.clear();
    out->timeout_ns = 0;
    out->has_expect = false;
    out->has_cookie_header = false;
    out->max_redirects = -1;
    out->compression = compression;
    out->multipart_used = 0;
    out->tag_pairs.clear();
    std::string_view path_arg = value_path;
    if (value_path.empty()) {
        size_t len = 0;
        const char* p = lua_tolstring(L, path_idx, &len);
        path_arg = std::string_view(p, len);
    }
    if (capture::StartsWithValue(path_arg) && InCaptureMode(L) && !target.origin.host.empty()) {
        // A response value first: a path or a URL the agent reads from the response (an absolute URL of the
        // target's origin is reduced to its path there). Nothing to resolve against the target's base path.
        out->url.origin = target.origin;
        out->url.path_and_query.assign(path_arg);
    } else {
        try {
            ResolveRequestUrlInto(path_arg, target, fn, &out->url);
        } catch (const std::runtime_error&) {
            // "http://" .. r:json().host: the placeholder is no valid host. Say why rather than how.
            if (path_arg.find("://") != std::string_view::npos && capture::HasPlaceholder(path_arg) &&
                InCaptureMode(L)) {
                Fail(fn, "argument #1 (path): a response value in the origin (scheme, host, port) of a URL is not "
                         "supported in capture mode: agents send to the origins known when the plan is made");
            }
            throw;
        }
    }
    const bool same_origin = !target.origin.host.empty() && out->url.origin == target.origin;

    std::string explicit_name;
    std::string query;
    OptionContext options{L, 0, out, &headers, &explicit_name, &query};
    if (!lua_isnoneornil(L, opts_idx)) {
        if (!lua_istable(L, opts_idx)) {
            Fail(fn, std::string("argument #2 (options) must be a table, got ") + luaL_typename(L, opts_idx));
        }
        const int top = lua_gettop(L);
        try {
            ReadOptions(L, opts_idx, &options);
        } catch (const std::exception& e) {
            lua_settop(L, top);  // one guard for every option's failure
            Fail(fn, e.what());
        }
    }
    try {
        MergeTags(scenario_tags, out->tag_pairs, "option 'tags'", &out->tags);
    } catch (const std::exception& e) {
        Fail(fn, e.what());
    }
    // Offer compressed responses as browsers, k6 and requests do (the body is decoded when the script reads it);
    // a script that set Accept-Encoding itself is sent exactly that. Before Finish: the fill keeps its capacity.
    if (out->compression) {
        bool given = false;
        for (size_t i = 0; i < headers.used; ++i) {
            given = given || http::HeaderNameEquals((*headers.list)[i].first, "accept-encoding");
        }
        if (!given) headers.Put("Accept-Encoding", http::kDefaultAcceptEncoding);
    }
    headers.Finish();
    if (options.body_sources > 1) Fail(fn, "options 'json', 'body', 'form' and 'files' are exclusive: give one");

    // A caller-given Content-Type wins over the one json/form implies.
    int content_types = 0;
    for (const auto& h : out->headers) content_types += http::HeaderNameEquals(h.first, "content-type") ? 1 : 0;
    if (content_types > 1 && options.files) {
        // Another Content-Type would lose the boundary the server needs to split the parts.
        Fail(fn, "option 'files' sets Content-Type itself (multipart/form-data; boundary=...): remove Content-Type "
                 "from 'headers'");
    }
    if (content_types > 1) {
        auto implied = std::find_if(out->headers.begin(), out->headers.end(), [](const auto& h) {
            return (h.first == "Content-Type") &&
                   (h.second == "application/json" || h.second == "application/x-www-form-urlencoded");
        });
        if (implied != out->headers.end()) out->headers.erase(implied);
    }
    out->has_cookie_header = HasHeader(out->headers, "cookie");

    std::string_view path = out->url.path_and_query;
    path = path.substr(0, path.find('?'));
    if (!explicit_name.empty()) {
        out->name = std::move(explicit_name);
    } else {
        out->name.assign(http::MethodText(out->method, out->method_token));
        out->name += ' ';
        if (!same_origin) out->name += out->url.origin.ToString();
        out->name.append(path);
    }
    AppendQuery(&out->url.path_and_query, query);
}

}  // namespace lse::lua
