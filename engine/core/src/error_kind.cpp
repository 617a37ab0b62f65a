#include "lse/core/error_kind.hpp"

namespace lse {
namespace {
constexpr std::string_view kNames[kErrorKindCount] = {"none",    "dns",   "connect", "tls",
                                                      "timeout", "reset", "parse",   "status",
                                                      "script",  "check",   "extract"};
constexpr std::string_view kMeanings[kErrorKindCount] = {
    "no error",
    "the host name could not be resolved",
    "the TCP connection could not be established",
    "TLS handshake or certificate verification failed",
    "no complete response within the request timeout",
    "the connection was closed before the response was complete",
    "the response was not valid HTTP/1.1",
    "the response status was not an accepted one",
    "the script raised an error",
    "a check failed",
    "a value a later request needs could not be taken from the response"};
}  // namespace

std::string_view ErrorKindMeaning(ErrorKind kind) noexcept {
    const int i = static_cast<int>(kind);
    return (i >= 0 && i < kErrorKindCount) ? kMeanings[i] : std::string_view("unknown error");
}

std::string_view ErrorKindName(ErrorKind kind) noexcept {
    const int i = static_cast<int>(kind);
    return (i >= 0 && i < kErrorKindCount) ? kNames[i] : std::string_view("unknown");
}

bool ParseErrorKind(std::string_view name, ErrorKind* out) noexcept {
    for (int i = 0; i < kErrorKindCount; ++i) {
        if (kNames[i] == name) {
            *out = static_cast<ErrorKind>(i);
            return true;
        }
    }
    return false;
}

}  // namespace lse
