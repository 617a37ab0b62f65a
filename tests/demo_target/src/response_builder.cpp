#include "response_builder.hpp"

namespace lse::demo {

std::string_view ReasonPhrase(int status) {
    switch (status) {
        case 100: return "Continue";
        case 200: return "OK";
        case 201: return "Created";
        case 202: return "Accepted";
        case 204: return "No Content";
        case 301: return "Moved Permanently";
        case 302: return "Found";
        case 303: return "See Other";
        case 304: return "Not Modified";
        case 400: return "Bad Request";
        case 401: return "Unauthorized";
        case 403: return "Forbidden";
        case 404: return "Not Found";
        case 405: return "Method Not Allowed";
        case 409: return "Conflict";
        case 429: return "Too Many Requests";
        case 500: return "Internal Server Error";
        case 502: return "Bad Gateway";
        case 503: return "Service Unavailable";
        case 504: return "Gateway Timeout";
        default: return "Status";
    }
}

std::string BuildResponse(int status, std::string_view content_type, std::string_view body, bool close,
                          bool head_request, std::string_view extra_headers) {
    const bool bodiless = status < 200 || status == 204 || status == 304;
    std::string out;
    out.reserve(128 + extra_headers.size() + body.size());
    out += "HTTP/1.1 ";
    out += std::to_string(status);
    out += ' ';
    out += ReasonPhrase(status);
    out += "\r\nServer: lsengine-demo-target\r\n";
    if (!bodiless) {
        out += "Content-Type: ";
        out += content_type;
        out += "\r\nContent-Length: ";
        out += std::to_string(body.size());
        out += "\r\n";
    }
    if (close) out += "Connection: close\r\n";
    out += extra_headers;
    out += "\r\n";
    if (!bodiless && !head_request) out += body;
    return out;
}

std::string BuildChunkedResponse(int chunks, bool close) {
    std::string out = "HTTP/1.1 200 OK\r\nServer: lsengine-demo-target\r\nContent-Type: text/plain\r\n"
                      "Transfer-Encoding: chunked\r\n";
    if (close) out += "Connection: close\r\n";
    out += "\r\n";
    char size_hex[16];
    for (int i = 0; i < chunks; ++i) {
        std::string chunk = "chunk " + std::to_string(i) + "\n";
        snprintf(size_hex, sizeof(size_hex), "%zx", chunk.size());
        out += size_hex;
        out += "\r\n";
        out += chunk;
        out += "\r\n";
    }
    out += "0\r\n\r\n";
    return out;
}

}  // namespace lse::demo
