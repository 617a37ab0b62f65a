#include "lse/core/error_kind.hpp"

namespace lse {
namespace {
constexpr std::string_view kNames[kErrorKindCount] = {"none",    "dns",   "connect", "tls",
                                                      "timeout", "reset", "parse",   "status",
                                                      "script",  "check"};
}  // namespace

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
