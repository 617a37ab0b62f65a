#pragma once
/// @file
/// The one byte codec under every binary format lsengine ships between processes: the metrics
/// Snapshot, the agent protocol messages and the plan. Before, each format carried its own copy
/// of these primitives (and two reader styles); one copy keeps their bytes identical by
/// construction.
///
/// Encoding: unsigned integers are LEB128 varints (7 bits per byte, low bits first); signed ones
/// are zigzag-mapped first so small negatives stay short; doubles and raw 64-bit words are 8 bytes
/// little-endian; strings are a varint length then the bytes.
///
/// Reading trusts nothing (inputs arrive from the network): ByteReader never reads past its
/// input, refuses truncated and overlong varints, and latches the first failure. After a failure
/// every read returns 0 and consumes nothing, so a decoder reads a group of fields and checks
/// ok() once instead of testing every call.

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace lse {

/// The longest valid encoding of a uint64 varint.
inline constexpr std::size_t kMaxVarintBytes = 10;

inline constexpr std::uint64_t ZigZagEncode(std::int64_t v) noexcept {
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline constexpr std::int64_t ZigZagDecode(std::uint64_t v) noexcept {
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

/// FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3): the plan checksum the
/// Assignment carries, and a cheap stable hash for seeds. Not cryptographic.
inline constexpr std::uint64_t Fnv1a64(std::string_view bytes) noexcept {
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (char c : bytes) {
        hash ^= static_cast<unsigned char>(c);
        hash *= 0x100000001b3ULL;
    }
    return hash;
}

/// Appends fields to a string it does not own.
class ByteWriter {
public:
    explicit ByteWriter(std::string* out) noexcept : out_(out) {}

    void U64(std::uint64_t v) {
        char buf[kMaxVarintBytes];
        std::size_t n = 0;
        while (v >= 0x80) {
            buf[n++] = static_cast<char>((v & 0x7f) | 0x80);
            v >>= 7;
        }
        buf[n++] = static_cast<char>(v);
        out_->append(buf, n);
    }
    void I64(std::int64_t v) { U64(ZigZagEncode(v)); }
    void Byte(std::uint8_t v) { out_->push_back(static_cast<char>(v)); }
    void Bool(bool v) { Byte(v ? 1 : 0); }
    void Fixed64(std::uint64_t bits) {
        char buf[8];
        for (int i = 0; i < 8; ++i) buf[i] = static_cast<char>((bits >> (8 * i)) & 0xff);
        out_->append(buf, 8);
    }
    void F64(double d) {
        std::uint64_t bits;
        std::memcpy(&bits, &d, sizeof bits);
        Fixed64(bits);
    }
    /// Bytes without a length (the reader must know how many).
    void Raw(std::string_view s) { out_->append(s); }
    /// A varint length, then the bytes.
    void Str(std::string_view s) {
        U64(s.size());
        out_->append(s);
    }

private:
    std::string* out_;
};

/// Reads fields from the front of a byte string, latching the first failure. Every read names
/// what it reads (a static string): error() is the first one that failed, for the decoder's
/// message. Not copyable: it may point into itself.
class ByteReader {
public:
    /// Reads its own copy of the view.
    explicit ByteReader(std::string_view in) noexcept : own_(in), in_(&own_) {}
    /// A reader keeps a view of its input: a temporary string would be gone before the first read.
    explicit ByteReader(std::string&&) = delete;
    explicit ByteReader(const char* in) noexcept : ByteReader(std::string_view(in)) {}  ///< a literal (lives on)
    /// Reads from the front of *in and consumes what it reads, so nested decoders can share one
    /// view: each reads its part and leaves the rest for the next.
    explicit ByteReader(std::string_view* in) noexcept : in_(in) {}
    ByteReader(const ByteReader&) = delete;
    ByteReader& operator=(const ByteReader&) = delete;

    bool ok() const noexcept { return error_ == nullptr; }
    /// The first failure, or nullptr.
    const char* error() const noexcept { return error_; }
    bool AtEnd() const noexcept { return in_->empty(); }
    std::size_t remaining() const noexcept { return in_->size(); }

    /// Latches a failure the decoder found itself (a bad id, an out-of-range value).
    void Fail(const char* why) noexcept {
        if (error_ == nullptr) error_ = why;
    }

    std::uint64_t U64(const char* what) noexcept {
        if (!ok()) return 0;
        // One-byte values (most histogram tokens, lengths, counts) skip the loop.
        if (!in_->empty() && static_cast<unsigned char>(in_->front()) < 0x80) {
            const auto v = static_cast<unsigned char>(in_->front());
            in_->remove_prefix(1);
            return v;
        }
        return LongU64(what);
    }
    std::int64_t I64(const char* what) noexcept { return ZigZagDecode(U64(what)); }
    /// A varint that must fit 32 bits.
    std::uint32_t U32(const char* what) noexcept {
        const std::uint64_t v = U64(what);
        if (v > 0xffffffffULL) {
            Fail(what);
            return 0;
        }
        return static_cast<std::uint32_t>(v);
    }
    std::uint8_t Byte(const char* what) noexcept {
        if (!ok()) return 0;
        if (in_->empty()) {
            Fail(what);
            return 0;
        }
        const auto v = static_cast<std::uint8_t>(in_->front());
        in_->remove_prefix(1);
        return v;
    }
    /// One byte, 0 or 1.
    bool Bool(const char* what) noexcept {
        const std::uint8_t v = Byte(what);
        if (v > 1) Fail(what);
        return v == 1;
    }
    /// An enum stored as one byte, below Enum::kCount.
    template <typename Enum>
    Enum EnumValue(const char* what) noexcept {
        const std::uint8_t v = Byte(what);
        if (v >= static_cast<std::uint8_t>(Enum::kCount)) Fail(what);
        return ok() ? static_cast<Enum>(v) : Enum{};
    }
    std::uint64_t Fixed64(const char* what) noexcept {
        if (!ok()) return 0;
        if (in_->size() < 8) {
            Fail(what);
            return 0;
        }
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v |= std::uint64_t{static_cast<unsigned char>((*in_)[i])} << (8 * i);
        in_->remove_prefix(8);
        return v;
    }
    double F64(const char* what) noexcept {
        const std::uint64_t bits = Fixed64(what);
        double d;
        std::memcpy(&d, &bits, sizeof d);
        return d;
    }
    /// The next n bytes (a view into the input), or empty after a failure.
    std::string_view Raw(std::uint64_t n, const char* what) noexcept {
        if (!ok()) return {};
        if (n > in_->size()) {
            Fail(what);
            return {};
        }
        const std::string_view v = in_->substr(0, static_cast<std::size_t>(n));
        in_->remove_prefix(static_cast<std::size_t>(n));
        return v;
    }
    /// What ByteWriter::Str wrote, at most max_length bytes. The length is checked against the
    /// input before anything is allocated.
    void Str(const char* what, std::size_t max_length, std::string* out) {
        const std::uint64_t n = U64(what);
        if (ok() && n > max_length) Fail(what);
        const std::string_view bytes = Raw(n, what);
        if (ok()) out->assign(bytes);
    }

private:
    std::uint64_t LongU64(const char* what) noexcept {
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < kMaxVarintBytes && i < in_->size(); ++i) {
            const auto byte = static_cast<std::uint8_t>((*in_)[i]);
            // The 10th byte holds only bit 63; anything more would silently wrap.
            if (i == kMaxVarintBytes - 1 && byte > 1) break;
            v |= std::uint64_t{byte & 0x7fu} << (7 * i);
            if ((byte & 0x80) == 0) {
                in_->remove_prefix(i + 1);
                return v;
            }
        }
        Fail(what);  // truncated, overlong or beyond 64 bits
        return 0;
    }

    std::string_view own_;
    std::string_view* in_;
    const char* error_ = nullptr;
};

}  // namespace lse
