#pragma once
/// @file
/// A tiny blocking HTTP/1.1 client for test assertions ("what does the server answer?").
/// Deliberately naive and slow: it is the independent referee for the engine, not a second engine.

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace lse::testing {

struct SimpleResponse {
    int status = 0;  ///< 0 when the transport failed or the response was not parseable; see error.
    std::string body;  ///< Chunked bodies are decoded.
    std::map<std::string, std::string> headers;  ///< Keys lower-cased; a repeated header keeps the last value.
    std::string error;  ///< Empty on success; otherwise what went wrong (connect, timeout, parse...).
};

/// Sends one request to 127.0.0.1:port with `Connection: close` and reads the response to EOF.
/// A Content-Length header is added when body is non-empty (or the method is POST/PUT/PATCH) and
/// headers do not already carry one. Never throws; failures are reported in SimpleResponse::error.
/// The whole exchange is bounded by timeout_ms.
SimpleResponse HttpRequestSync(int port, std::string method, std::string path, std::string body = "",
                               std::vector<std::pair<std::string, std::string>> headers = {},
                               int timeout_ms = 10000);

/// Shorthand for HttpRequestSync(port, "GET", path).
inline SimpleResponse HttpGet(int port, std::string path) {
    return HttpRequestSync(port, "GET", std::move(path));
}

/// Sends `request` verbatim to 127.0.0.1:port and appends everything received until EOF to *raw.
/// For pipelining and malformed-request tests. Returns false (with *error, and whatever arrived in
/// *raw) on connect failure, reset or timeout.
bool RawExchange(int port, const std::string& request, int timeout_ms, std::string* raw, std::string* error);

/// Parses a complete raw HTTP/1.1 response (status line, headers, body by Content-Length, chunked
/// or to the end). Exposed for unit tests of the parser itself.
SimpleResponse ParseRawResponse(const std::string& raw, bool head_request = false);

}  // namespace lse::testing
