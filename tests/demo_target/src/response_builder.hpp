#pragma once
/// @file
/// Serialises HTTP/1.1 responses for the demo target.

#include <string>
#include <string_view>

namespace lse::demo {

/// Standard reason phrase for `status` ("OK", "Not Found"...); "Status" for codes without one.
std::string_view ReasonPhrase(int status);

/// A complete response with Content-Length (omitted, with the body, for 1xx/204/304).
/// `close` adds `Connection: close`. `extra_headers` are whole header lines, each ending in CRLF
/// ("Location: /x\r\n"), written after the standard ones.
std::string BuildResponse(int status, std::string_view content_type, std::string_view body, bool close,
                          bool head_request = false, std::string_view extra_headers = {});

/// A chunked response: `chunks` chunks, chunk i being "chunk <i>\n".
std::string BuildChunkedResponse(int chunks, bool close);

}  // namespace lse::demo
