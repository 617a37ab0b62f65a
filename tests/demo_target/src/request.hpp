#pragma once
/// @file
/// One parsed HTTP request and what the demo app wants the connection to do about it.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lse::demo {

struct Request {
    std::string method;
    std::string target;  ///< As sent: path plus optional "?query".
    std::vector<std::pair<std::string, std::string>> headers;  ///< Names lower-cased.
    std::string body;
    bool keep_alive = true;
    bool malformed = false;  ///< Set instead of the fields above when the parser failed.
    int index_on_connection = 0;  ///< 0 for the first request on its TCP connection, 1 for the next, ...

    std::string_view Path() const;
    std::string_view Query() const;
    /// Value of the first header named `lower_name`, or "" when absent.
    std::string_view Header(std::string_view lower_name) const;
    /// Value of query parameter `name` (no percent-decoding: the demo never needs it), or "".
    std::string QueryParam(std::string_view name) const;
    /// The token of an `Authorization: Bearer <token>` header, or "".
    std::string_view BearerToken() const;
};

/// How the connection should finish the exchange after (maybe) writing `bytes`.
enum class Finish : std::uint8_t {
    kNormal,     ///< Write bytes; keep the connection open unless close_after.
    kReset,      ///< Write bytes, then abort the connection with RST (SO_LINGER 0).
    kHang,       ///< Write nothing, never answer; later pipelined requests wait forever too.
    kCloseNow,   ///< Close at once without writing anything.
    kCount
};

struct Reply {
    std::string bytes;          ///< Complete wire bytes (status line, headers, body).
    bool close_after = false;   ///< Close (FIN) once the bytes are written.
    std::int64_t delay_ms = 0;  ///< Hold the reply this long (on a timer; the loop keeps serving others).
    Finish finish = Finish::kNormal;
};

}  // namespace lse::demo
