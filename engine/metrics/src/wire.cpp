#include "lse/metrics/wire.hpp"

namespace lse::metrics::wire {

void AppendVarint(std::string* out, std::uint64_t value) {
    char buf[kMaxVarintBytes];
    std::size_t n = 0;
    while (value >= 0x80) {
        buf[n++] = static_cast<char>((value & 0x7f) | 0x80);
        value >>= 7;
    }
    buf[n++] = static_cast<char>(value);
    out->append(buf, n);
}

bool ReadLongVarint(std::string_view* in, std::uint64_t* value) noexcept {
    std::uint64_t result = 0;
    for (std::size_t i = 0; i < kMaxVarintBytes; ++i) {
        if (i >= in->size()) return false;
        const auto byte = static_cast<std::uint8_t>((*in)[i]);
        // The 10th byte holds only bit 63; anything more would silently wrap.
        if (i == kMaxVarintBytes - 1 && byte > 1) return false;
        result |= static_cast<std::uint64_t>(byte & 0x7f) << (7 * i);
        if ((byte & 0x80) == 0) {
            in->remove_prefix(i + 1);
            *value = result;
            return true;
        }
    }
    return false;
}

void AppendSignedVarint(std::string* out, std::int64_t value) { AppendVarint(out, ZigZagEncode(value)); }

bool ReadSignedVarint(std::string_view* in, std::int64_t* value) noexcept {
    std::uint64_t raw = 0;
    if (!ReadVarint(in, &raw)) return false;
    *value = ZigZagDecode(raw);
    return true;
}

void AppendHeader(std::string* out, char tag, std::uint8_t version) {
    out->push_back(tag);
    out->push_back(static_cast<char>(version));
}

bool ReadHeader(std::string_view* in, char tag, std::uint8_t version, std::string_view what, std::string* error) {
    if (in->size() < 2) return Fail(error, what, "truncated header");
    if ((*in)[0] != tag) return Fail(error, what, "bad magic byte");
    if (static_cast<std::uint8_t>((*in)[1]) != version) return Fail(error, what, "unsupported version");
    in->remove_prefix(2);
    return true;
}

bool Fail(std::string* error, std::string_view what, std::string_view reason) {
    if (error != nullptr) {
        error->assign(what);
        error->append(": ");
        error->append(reason);
    }
    return false;
}

}  // namespace lse::metrics::wire
