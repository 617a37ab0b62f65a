#pragma once
// Varint/zigzag/double writer and a bounds-checked reader for the plan codec. The reader
// never throws and never reads past its end: every method returns false instead, and
// callers stop at the first failure.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace lse::plan::detail {

inline std::uint64_t ZigZag(std::int64_t v) noexcept {
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline std::int64_t UnZigZag(std::uint64_t v) noexcept {
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

inline std::uint64_t Fnv1a64(std::string_view bytes) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (char c : bytes) {
        h ^= static_cast<unsigned char>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

class ByteWriter {
public:
    explicit ByteWriter(std::string* out) : out_(out) {}
    void U(std::uint64_t v) {
        while (v >= 0x80) {
            out_->push_back(static_cast<char>((v & 0x7f) | 0x80));
            v >>= 7;
        }
        out_->push_back(static_cast<char>(v));
    }
    void I(std::int64_t v) { U(ZigZag(v)); }
    void Byte(std::uint8_t v) { out_->push_back(static_cast<char>(v)); }
    void F64(double d) {
        std::uint64_t bits;
        std::memcpy(&bits, &d, sizeof bits);
        Fixed64(bits);
    }
    void Fixed64(std::uint64_t bits) {
        for (int i = 0; i < 8; ++i) out_->push_back(static_cast<char>((bits >> (8 * i)) & 0xff));
    }
    void Raw(std::string_view s) { out_->append(s); }

private:
    std::string* out_;
};

class ByteReader {
public:
    explicit ByteReader(std::string_view in) : in_(in) {}
    std::size_t Left() const noexcept { return in_.size() - pos_; }
    bool AtEnd() const noexcept { return pos_ == in_.size(); }

    bool U(std::uint64_t* v) noexcept {
        std::uint64_t r = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos_ >= in_.size()) return false;
            const auto b = static_cast<std::uint8_t>(in_[pos_++]);
            if (shift == 63 && b > 1) return false;  // would overflow 64 bits
            r |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                *v = r;
                return true;
            }
        }
        return false;
    }
    bool I(std::int64_t* v) noexcept {
        std::uint64_t u;
        if (!U(&u)) return false;
        *v = UnZigZag(u);
        return true;
    }
    bool Byte(std::uint8_t* v) noexcept {
        if (pos_ >= in_.size()) return false;
        *v = static_cast<std::uint8_t>(in_[pos_++]);
        return true;
    }
    bool Fixed64(std::uint64_t* v) noexcept {
        if (Left() < 8) return false;
        std::uint64_t r = 0;
        for (int i = 0; i < 8; ++i) r |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(in_[pos_ + i])) << (8 * i);
        pos_ += 8;
        *v = r;
        return true;
    }
    bool F64(double* d) noexcept {
        std::uint64_t bits;
        if (!Fixed64(&bits)) return false;
        std::memcpy(d, &bits, sizeof bits);
        return true;
    }
    bool Raw(std::size_t n, std::string_view* out) noexcept {
        if (Left() < n) return false;
        *out = in_.substr(pos_, n);
        pos_ += n;
        return true;
    }

private:
    std::string_view in_;
    std::size_t pos_ = 0;
};

}  // namespace lse::plan::detail
