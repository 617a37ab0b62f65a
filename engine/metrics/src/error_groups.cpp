#include "lse/metrics/error_groups.hpp"

namespace lse::metrics {

std::string CleanErrorMessage(std::string_view text) {
    const std::size_t nl = text.find('\n');
    if (nl != std::string_view::npos) text = text.substr(0, nl);
    while (!text.empty() && (text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
    if (text.size() > kMaxErrorMessageLength) {
        std::size_t cut = kMaxErrorMessageLength;
        // Never split a UTF-8 sequence: back up over continuation bytes (10xxxxxx).
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
        text = text.substr(0, cut);
    }
    std::string out(text);
    for (char& c : out) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    }
    if (out.empty()) out = "(no message)";
    return out;
}

std::string MakeErrorKey(std::string_view row, ErrorKind kind, std::string_view message) {
    const std::string_view kind_name = ErrorKindName(kind);
    std::string key;
    key.reserve(row.size() + kind_name.size() + message.size() + 2);
    key += row;
    key += kErrorKeySeparator;
    key += kind_name;
    key += kErrorKeySeparator;
    key += message;
    return key;
}

bool ParseErrorKey(std::string_view key, ErrorKey* out) {
    const std::size_t a = key.find(kErrorKeySeparator);
    if (a == std::string_view::npos || a == 0) return false;
    const std::size_t b = key.find(kErrorKeySeparator, a + 1);
    if (b == std::string_view::npos || b + 1 >= key.size()) return false;
    if (key.find(kErrorKeySeparator, b + 1) != std::string_view::npos) return false;
    ErrorKind kind = ErrorKind::kNone;
    if (!ParseErrorKind(key.substr(a + 1, b - a - 1), &kind) || kind == ErrorKind::kNone) return false;
    out->row = std::string(key.substr(0, a));
    out->kind = kind;
    out->message = std::string(key.substr(b + 1));
    return true;
}

}  // namespace lse::metrics
